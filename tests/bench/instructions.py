"""Loads counted in CPU instructions with callgrind, which the machine's load cannot change.

Loading rows is CPU work, so on a shared machine its wall-clock ratio swings by tens of
percent from one process to the next; the number of instructions does not. Each count
runs in a process of its own under ``valgrind --tool=callgrind`` with a fixed hash seed,
on a database filled beforehand (outside valgrind), with the objects of start-up frozen
out of the garbage collector's reach; the instructions of the workload are those of a run
with the workload minus those of the same run without it. On PostgreSQL only the Python
process is counted: the server runs the same query for every contestant.

The worker side: ``python -m tests.bench.instructions WORKLOAD PASSES ROWS``, with the
database named by the environment.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_COLLECTED = re.compile(r"Collected : (\d+)")


def available() -> bool:
    """Tell whether valgrind is installed."""
    return shutil.which("valgrind") is not None


def _env(settings: str, backend: str, database: str) -> dict[str, str]:
    name = "TSUNAMI_BENCH_SQLITE_PATH" if backend == "sqlite" else "TSUNAMI_BENCH_DB_NAME"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "TSUNAMI_BENCH_DB": backend,
        name: database,
        "PYTHONHASHSEED": "0",
    }


def _worker(workload: str, passes: int, rows: int) -> list[str]:
    return [sys.executable, "-m", "tests.bench.instructions", workload, str(passes), str(rows)]


def _instructions(env: dict[str, str], workload: str, passes: int, rows: int) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            *_worker(workload, passes, rows),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    match = _COLLECTED.search(done.stderr)
    if done.returncode or match is None:
        raise SystemExit(f"callgrind failed for {workload}:\n{done.stderr[-2000:]}")
    return int(match[1])


def measure(
    contestants: list[Any], tmp: Path, rows: int, passes: int, backend: str = "sqlite"
) -> dict[str, dict[str, float]]:
    """Return, per contestant and load workload, the instructions per loaded row."""
    results: dict[str, dict[str, float]] = {}
    for contestant in contestants:
        database = (
            str(tmp / f"instructions-{contestant.key}.sqlite3")
            if backend == "sqlite"
            else f"tsunami_bench_instructions_{contestant.key}"
        )
        env = _env(contestant.settings, backend, database)
        subprocess.run(_worker("fill", 0, rows), cwd=ROOT, env=env, check=True)
        baseline = _instructions(env, "none", 0, rows)
        results[contestant.key] = {
            workload: (_instructions(env, workload, passes, rows) - baseline) / (passes * rows)
            for workload in ("iterate", "load_only")
        }
        print(
            f"instructions {backend:8} {contestant.title:22} counted", file=sys.stderr, flush=True
        )
    return results


def _run(workload: str, passes: int, rows: int) -> None:
    import django

    if workload == "fill":
        from tests.bench.worker import _recreate_database

        _recreate_database()
    django.setup()
    from django.core.management import call_command

    from tests.bench.benchapp.models import Book
    from tests.bench.workloads import fill_books

    if workload == "fill":
        call_command("migrate", verbosity=0, interactive=False)
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
        fill_books(rows)
        return
    # Everything both runs share happens before the workload: the first query included.
    list(Book.objects.order_by("pk")[:1])
    list(Book.objects.only("title").order_by("pk")[:1])
    # The collector runs whenever allocations cross a threshold, and a full collection
    # walks every object of the process: whether one falls inside the workload would
    # swing the count by tens of percent. Frozen, the start-up objects are left alone
    # and the workload pays only for collecting what it allocates.
    gc.collect()
    gc.freeze()
    for _ in range(passes):
        if workload == "iterate":
            for _book in Book.objects.order_by("pk")[:rows]:
                pass
        elif workload == "load_only":
            for book in Book.objects.only("title").order_by("pk")[:rows]:
                book.title  # noqa: B018 - reading the loaded field is part of the workload


if __name__ == "__main__":
    _run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
