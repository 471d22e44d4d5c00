"""Benchmark tsunami against plain Django (and its peers, when installed): ``make bench``.

Every contestant runs in processes of its own, on an empty database, once per repetition.
The contestants take turns in batches (50 operations of a write, one pass of a load), so
that a slow moment of the machine hits all of them alike. See
``python -m tests.bench --help``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import instructions
from tests.bench import ui as ui_bench
from tests.bench.plan import BATCH, WRITE_ORDER, Sizes
from tests.bench.report import Contestant, render

ROOT = Path(__file__).resolve().parents[2]

CONTESTANTS = {
    "plain": Contestant("plain", "plain Django", "tests.bench.settings.plain", None),
    "tsunami": Contestant("tsunami", "tsunami", "tests.bench.settings.with_tsunami", "tsunami"),
    "auditlog": Contestant(
        "auditlog", "django-auditlog", "tests.bench.settings.with_auditlog", "auditlog"
    ),
    "simple_history": Contestant(
        "simple_history",
        "django-simple-history",
        "tests.bench.settings.with_simple_history",
        "simple_history",
    ),
    # Not a product: tsunami's rows written with no Python of tsunami's (tests.bench.floor).
    "floor": Contestant("floor", "floor: the rows alone", "tests.bench.settings.floor", "tsunami"),
}
BACKENDS = ("sqlite", "postgres")
QUICK = Sizes(ops=100, warmup=5, counted=5, iterate_rows=2000, load_rows=200, load_passes=5)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run: fewer rows, 2 reps")
    parser.add_argument(
        "--reps",
        type=int,
        help="repetitions (default 5; 3 when the peers run too, to stay near 10 minutes; "
        "2 with --quick)",
    )
    parser.add_argument("--ops", type=int, help="operations per write workload")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgres")
    parser.add_argument(
        "--contestants",
        default=",".join(CONTESTANTS),
        help="plain is always included; others are skipped when not installed",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--profile-dir", type=Path, help="cProfile files of the first repetition")
    ui = parser.add_argument_group(
        "UI scale", "the timeline, history and admin pages at 10k and 1M events (PostgreSQL)"
    )
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        help="skip counting the loads' CPU instructions with valgrind",
    )
    ui.add_argument("--ui-only", action="store_true", help="measure only the UI scale")
    ui.add_argument("--no-ui", action="store_true", help="skip the UI scale")
    ui.add_argument("--ui-reps", type=int, help="reads per page and size (default 7; 3 quick)")
    ui.add_argument(
        "--ui-reuse",
        action="store_true",
        help="keep the UI databases of an earlier run when they hold the same data",
    )
    return parser.parse_args(argv)


def _contestants(names: str) -> list[Contestant]:
    chosen = ["plain", *(name for name in names.split(",") if name and name != "plain")]
    contestants = []
    for name in chosen:
        if name not in CONTESTANTS:
            raise SystemExit(f"Unknown contestant {name!r}; known: {', '.join(CONTESTANTS)}")
        contestant = CONTESTANTS[name]
        if contestant.module and importlib.util.find_spec(contestant.module) is None:
            print(f"note: {contestant.title} is not installed; skipped.", file=sys.stderr)
            continue
        contestants.append(contestant)
    return contestants


def _postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(
            host=os.environ.get("PGHOST", "127.0.0.1"),
            port=os.environ.get("PGPORT", "5432"),
            user=os.environ.get("PGUSER", "postgres"),
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as error:  # noqa: BLE001 - any failure means: skip this backend
        print(f"note: PostgreSQL is not reachable ({error}); skipped.", file=sys.stderr)
        return False
    return True


def _backends(names: str) -> list[str]:
    backends = []
    for name in names.split(","):
        if name not in BACKENDS:
            raise SystemExit(f"Unknown backend {name!r}; known: {', '.join(BACKENDS)}")
        if name == "postgres" and not _postgres_answers():
            continue
        backends.append(name)
    return backends


def _worker_command(
    contestant: Contestant,
    backend: str,
    sizes: Sizes,
    sqlite_path: Path,
    profile_dir: Path | None,
) -> tuple[list[str], dict[str, str]]:
    """Return the command and environment of a worker process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": contestant.settings,
        "TSUNAMI_BENCH_DB": backend,
        "TSUNAMI_BENCH_SQLITE_PATH": str(sqlite_path),
        # A database per contestant: the writers of a repetition run side by side.
        "TSUNAMI_BENCH_DB_NAME": (
            f"{os.environ.get('TSUNAMI_BENCH_DB_NAME', 'tsunami_bench')}_{contestant.key}"
        ),
    }
    command = [
        sys.executable,
        "-m",
        "tests.bench.worker",
        "--sizes",
        json.dumps(dataclasses.asdict(sizes)),
    ]
    if profile_dir:
        command += ["--profile-dir", str(profile_dir / backend / contestant.key)]
    return command, env


class _Worker:
    """A contestant's worker process, alive for one phase and driven batch by batch."""

    def __init__(
        self,
        contestant: Contestant,
        backend: str,
        sizes: Sizes,
        folder: Path,
        profile_dir: Path | None,
    ) -> None:
        self.contestant, self.backend = contestant, backend
        name = f"{contestant.key}-{folder.name}"
        command, env = _worker_command(
            contestant, backend, sizes, folder / f"{name}.sqlite3", profile_dir
        )
        self.errors = (folder / f"{name}.err").open("w+")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )

    def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.errors.seek(0)
            raise SystemExit(
                f"{self.contestant.title} on {self.backend} failed:\n{self.errors.read().strip()}"
            )
        return dict(json.loads(line))

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.answer()

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait()
        self.errors.close()


def _run_turns(
    order: list[Contestant],
    backend: str,
    sizes: Sizes,
    folder: Path,
    profile_dir: Path | None,
    label: str,
    phase: str,
) -> dict[str, dict[str, Any]]:
    """Run the workloads of ``phase`` (writes or loads), the contestants' batches in turn.

    Each batch of one contestant (50 operations of a write, one pass of a load) runs right
    before or after the others' batch of the same work, so a ratio compares work done
    moments apart, batch by batch.
    """
    folder = folder / phase
    folder.mkdir(parents=True)
    workers = [_Worker(contestant, backend, sizes, folder, profile_dir) for contestant in order]
    loads = phase == "loads"
    plan = (
        {"iterate": (sizes.iterate_passes, 1), "load_only": (sizes.load_passes, 1)}
        if loads
        else dict.fromkeys(WRITE_ORDER, (sizes.ops, BATCH))
    )
    results: dict[str, dict[str, Any]] = {contestant.key: {} for contestant in order}
    try:
        for worker in workers:
            worker.answer()  # ready: its database is migrated
        for workload, (total, size) in plan.items():
            began = time.monotonic()
            statements = {
                worker.contestant.key: worker.ask({"begin": workload})["statements"]
                for worker in workers
            }
            times: dict[str, list[float]] = {key: [] for key in statements}
            batches: dict[str, list[float]] = {key: [] for key in statements}
            for start in range(0, total, size):
                turn = start // size % len(workers)
                for worker in workers[turn:] + workers[:turn]:
                    batch = worker.ask({"batch": workload, "count": min(size, total - start)})
                    times[worker.contestant.key] += batch["times"]
                    batches[worker.contestant.key].append(statistics.median(batch["times"]))
            for key in statements:
                results[key][workload] = {
                    # A load is pure CPU work, which the machine can only slow down: its
                    # fastest pass is the truest (as timeit does).
                    "seconds": min(times[key]) if loads else statistics.median(times[key]),
                    "statements": statements[key],
                    "batches": batches[key],
                }
            print(
                f"{label} {backend:8} {phase:6} {workload:9} {time.monotonic() - began:5.1f}s",
                file=sys.stderr,
                flush=True,
            )
    finally:
        for worker in workers:
            worker.close()
    return results


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    args = _arguments(argv)
    if args.ui_only:
        _main_ui_only(args)
        return
    sizes = QUICK if args.quick else Sizes()
    if args.ops:
        sizes = dataclasses.replace(sizes, ops=args.ops)
    contestants = _contestants(args.contestants)
    reps = args.reps or (2 if args.quick else 5 if len(contestants) <= 2 else 3)
    backends = _backends(args.backends)
    # results[backend][contestant] = one {workload: {"seconds", "statements"}} per repetition
    results: dict[str, dict[str, list[Any]]] = {
        backend: {c.key: [] for c in contestants} for backend in backends
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tsunami-bench-") as tmp:
        for rep in range(reps):
            for backend in backends:
                shift = rep % len(contestants)
                order = contestants[shift:] + contestants[:shift]
                # Writes, then loads in fresh processes: a load is measured without the
                # heap that the writes left behind.
                profile_dir = args.profile_dir if rep == 0 else None
                label = f"rep {rep + 1}/{reps}"
                folder = Path(tmp) / f"{backend}-{rep}"
                writes = _run_turns(order, backend, sizes, folder, profile_dir, label, "writes")
                loads = _run_turns(order, backend, sizes, folder, profile_dir, label, "loads")
                for contestant in order:
                    results[backend][contestant.key].append(
                        {**writes[contestant.key], **loads[contestant.key]}
                    )
        counts = None
        if not args.no_instructions:
            if instructions.available():
                counts = {
                    backend: instructions.measure(
                        [c for c in contestants if c.key in ("plain", "tsunami")],
                        Path(tmp),
                        rows=300 if args.quick else 2000,
                        passes=1 if args.quick else 2,
                        backend=backend,
                    )
                    for backend in backends
                }
            else:
                print("note: valgrind is not installed; instructions not counted.", file=sys.stderr)
    ui = None
    if "postgres" in backends and not args.no_ui:
        ui = ui_bench.run(args.quick, args.ui_reps, args.ui_reuse)
    environment = {
        "python": platform.python_version(),
        "django": _version("django"),
        "cpus": os.cpu_count(),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }
    text, summary = render(results, contestants, sizes, reps, environment, ui, counts)
    print(text)
    if args.json:
        everything = {"results": results, "ui": ui, "instructions": counts, **summary}
        args.json.write_text(json.dumps(everything, indent=2))


def _main_ui_only(args: argparse.Namespace) -> None:
    if not _postgres_answers():
        raise SystemExit("The UI scale benchmark needs PostgreSQL.")
    started = time.monotonic()
    ui = ui_bench.run(args.quick, args.ui_reps, args.ui_reuse)
    lines, goals = ui_bench.render(ui)
    print(
        f"tsunami UI scale benchmark, {datetime.date.today().isoformat()}: "
        f"Python {platform.python_version()}, Django {_version('django')}, "
        f"{os.cpu_count()} CPUs, {round((time.monotonic() - started) / 60, 1)} minutes"
    )
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"ui": ui, "ui_goals": goals}, indent=2))


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


if __name__ == "__main__":
    main()
