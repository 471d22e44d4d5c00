"""The loads' instruction counts: real callgrind runs, tiny, in the SQLite job only.

The PostgreSQL count uses the bench's own databases on the local server, as ``make bench``
does; ``make test-sqlite`` starts the services first.
"""

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
    tmp = tmp_path_factory.mktemp("cg")
    return {
        backend: instructions.measure(contestants, tmp, rows=50, passes=1, backend=backend)
        for backend in ("sqlite", "postgres")
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_loaded_rows_are_counted_per_row_for_each_contestant(counts, backend):
    for key in ("plain", "tsunami"):
        for workload in ("iterate", "load_only"):
            # A row costs Django thousands of instructions; a broken difference gives ~0.
            assert 5_000 < counts[backend][key][workload] < 1_000_000


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tracking_adds_instructions_to_every_loaded_row(counts, backend):
    # The snapshot is real work: a count that shows none measured the wrong process.
    for workload in ("iterate", "load_only"):
        assert counts[backend]["tsunami"][workload] > counts[backend]["plain"][workload]


def test_the_report_shows_the_counts_and_judges_them_against_the_load_goals(counts):
    lines = "\n".join(_instruction_lines(counts, list(CONTESTANTS.values())))
    assert "| iterate rows | SQLite (file) | tsunami |" in lines
    assert "| rows via .only() | PostgreSQL | plain Django |" in lines
    goals = _instruction_goals(counts)
    assert [(goal["backend"], goal["workload"]) for goal in goals] == [
        ("sqlite", "iterate_instructions"),
        ("sqlite", "load_only_instructions"),
        ("postgres", "iterate_instructions"),
        ("postgres", "load_only_instructions"),
    ]
    assert all("(goal <= 1.1x)" in goal["line"] for goal in goals)
    assert goals[2]["line"].startswith("- PostgreSQL, iterate rows, in instructions: ")
