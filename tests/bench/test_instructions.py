"""The loads' instruction counts: real callgrind runs, tiny, in the SQLite job only."""

import pytest

from tests.bench import instructions
from tests.bench.__main__ import CONTESTANTS
from tests.bench.report import _instruction_goals, _instruction_lines

pytestmark = pytest.mark.valgrind


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    if not instructions.available():
        pytest.fail("valgrind is needed: bash .ci/system-deps installs it")
    contestants = [CONTESTANTS["plain"], CONTESTANTS["tsunami"]]
    return instructions.measure(contestants, tmp_path_factory.mktemp("cg"), rows=50, passes=1)


def test_loaded_rows_are_counted_per_row_for_each_contestant(counts):
    for key in ("plain", "tsunami"):
        for workload in ("iterate", "load_only"):
            # A row costs Django thousands of instructions; a broken difference gives ~0.
            assert 5_000 < counts[key][workload] < 1_000_000


def test_tracking_adds_instructions_to_every_loaded_row(counts):
    # The snapshot is real work: a count that shows none measured the wrong process.
    for workload in ("iterate", "load_only"):
        assert counts["tsunami"][workload] > counts["plain"][workload]


def test_the_report_shows_the_counts_and_judges_them_against_the_load_goals(counts):
    lines = "\n".join(_instruction_lines(counts, list(CONTESTANTS.values())))
    assert "| iterate rows | tsunami |" in lines
    assert "| rows via .only() | plain Django |" in lines
    goals = _instruction_goals(counts)
    workloads = [goal["workload"] for goal in goals]
    assert workloads == ["iterate_instructions", "load_only_instructions"]
    assert all("(goal <= 1.1x)" in goal["line"] for goal in goals)
