"""Run the benchmark's quick mode on SQLite: every row is printed and statement counts hold.

Timing is never asserted; the statement counts are what issue 5 promises.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.plan import LOADS, WORKLOADS, WRITES

ROOT = Path(__file__).resolve().parents[2]
TITLES = (
    "create",
    "update",
    "delete",
    "FK + 2 m2m adds",
    "iterate 2k rows",
    "200 rows via .only()",
)


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench",
            "--quick",
            "--reps=1",
            "--ops=5",
            "--backends=sqlite",
            "--contestants=plain,tsunami,floor",
            "--no-instructions",
            f"--json={out}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())["summary"]["sqlite"]


def test_the_table_has_a_row_for_every_workload_and_contestant(bench):
    table, _ = bench
    for title in TITLES:
        for contestant in ("plain Django", "tsunami"):
            assert f"| {title} | {contestant} |" in table
    assert "### Goals (tsunami)" in table
    assert table.count("(goal <= ") == len(WORKLOADS)
    assert table.count("; the rows alone: ") == len(WRITES)


@pytest.mark.parametrize("workload", ["create", "update", "delete"])
def test_the_floor_writes_the_statements_tsunami_writes(bench, workload):
    _, summary = bench
    assert summary["floor"][workload]["statements"] == summary["tsunami"][workload]["statements"]


def test_the_floor_of_many_to_many_adds_skips_only_the_list_queries(bench):
    _, summary = bench
    # Django's missing-ids query and the three events, but not tsunami's two list queries.
    assert summary["floor"]["fk_m2m"]["statements"] == (
        summary["tsunami"]["fk_m2m"]["statements"] - 2
    )


@pytest.mark.parametrize("workload", ["create", "update", "delete"])
def test_a_tracked_write_adds_exactly_two_statements(bench, workload):
    _, summary = bench
    plain = summary["plain"][workload]["statements"]
    assert summary["tsunami"][workload]["statements"] == plain + 2


@pytest.mark.parametrize("workload", LOADS)
def test_loading_tracked_rows_adds_no_statement(bench, workload):
    _, summary = bench
    assert summary["tsunami"][workload]["statements"] == summary["plain"][workload]["statements"]


def test_many_to_many_adds_cost_the_pinned_statements(bench):
    _, summary = bench
    # The book's event (2 statements on SQLite), and for each of the two add() calls:
    # Django's missing-ids query, tsunami's query for the new list, and the event (2).
    assert summary["tsunami"]["fk_m2m"]["statements"] == (
        summary["plain"]["fk_m2m"]["statements"] + 2 + 2 * (1 + 1 + 2)
    )


def test_loads_compare_fastest_runs_and_writes_median_ratios():
    from tests.bench.__main__ import CONTESTANTS
    from tests.bench.report import summarize

    def run(write, load):
        return {
            w: {"seconds": write if w not in LOADS else load, "statements": 1} for w in WORKLOADS
        }

    # Plain Django had one slow load repetition and tsunami another; neither is the truth.
    results = {
        "sqlite": {
            "plain": [run(1.0, 1.0), run(2.0, 5.0), run(1.0, 1.0)],
            "tsunami": [run(1.2, 4.0), run(3.0, 1.1), run(1.4, 1.2)],
        }
    }
    summary = summarize(results, [CONTESTANTS["plain"], CONTESTANTS["tsunami"]])["sqlite"]
    tracked = summary["tsunami"]
    assert tracked["create"]["ratio"] == pytest.approx(1.4)  # median of 1.2, 1.5, 1.4
    assert tracked["create"]["seconds"] == pytest.approx(1.4)
    assert tracked["iterate"]["ratio"] == pytest.approx(1.1)  # 1.1 fastest against 1.0
    assert tracked["iterate"]["seconds"] == pytest.approx(1.1)


def test_a_ratio_is_the_median_of_its_batches_ratios():
    from tests.bench.__main__ import CONTESTANTS
    from tests.bench.report import summarize

    def run(batches):
        return {
            w: {"seconds": 1.0, "statements": 1, "batches": batches if w in BATCHED else None}
            for w in WORKLOADS
        }

    # Two repetitions of three batches; the machine slowed down in the second one, for both.
    results = {
        "sqlite": {
            "plain": [run([1.0, 1.0, 1.0]), run([3.0, 3.0, 2.0])],
            "tsunami": [run([1.3, 1.2, 1.6]), run([4.2, 3.6, 3.2])],
        }
    }
    summary = summarize(results, [CONTESTANTS["plain"], CONTESTANTS["tsunami"]])["sqlite"]
    # The six batch ratios are 1.3, 1.2, 1.6, 1.4, 1.2, 1.6: their median is 1.35.
    assert summary["tsunami"]["create"]["ratio"] == pytest.approx(1.35)
    assert summary["tsunami"]["iterate"]["ratio"] == pytest.approx(1.35)  # passes, paired
    assert summary["tsunami"]["update"]["ratio"] == pytest.approx(1.0)


BATCHED = ("create", "iterate")
