"""The benchmark's table: medians, ratios to plain Django, statements, and the goals."""

from __future__ import annotations

import datetime
import statistics
from typing import Any, NamedTuple

from tests.bench.plan import BATCH, LOADS, WORKLOADS, WRITES, Sizes
from tests.bench.ui import render as ui_render

BACKEND_TITLES = {"sqlite": "SQLite (file)", "postgres": "PostgreSQL"}
#: Issue 5's goals for tsunami: the highest ratio to plain Django.
GOALS = {**dict.fromkeys(WRITES, 1.5), **dict.fromkeys(LOADS, 1.1)}


class Contestant(NamedTuple):
    """A way of running the benchmark app: plain Django, or with an audit app installed."""

    key: str
    title: str
    settings: str
    module: str | None


def workload_titles(sizes: Sizes) -> dict[str, str]:
    """Return the row title of each workload for these sizes."""
    return {
        "create": "create",
        "update": "update",
        "delete": "delete",
        "fk_m2m": "FK + 2 m2m adds",
        "iterate": f"iterate {_count(sizes.iterate_rows)} rows",
        "load_only": f"{_count(sizes.load_rows)} rows via .only()",
    }


def _count(rows: int) -> str:
    return f"{rows // 1000}k" if rows >= 1000 and rows % 1000 == 0 else str(rows)


def _duration(seconds: float) -> str:
    if seconds >= 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1_000_000:.0f} µs"


def _statements(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def summarize(
    results: dict[str, dict[str, list[Any]]], contestants: list[Contestant]
) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """Return, per backend, contestant and workload: time, ratio to plain Django, statements.

    A ratio is the median of the ratios of its batches (50 operations of a write, one pass
    of a load), each taken against the batch of plain Django that ran right before or
    after it, over every repetition: the machine's speed drifts by tens of percent within
    minutes, but not between two batches a moment apart. A write's time is the median over
    repetitions; a load's, which the machine can only slow down, the fastest pass of all.
    Results without batches compare whole runs: a write's per-repetition medians, a load's
    fastest passes.
    """
    summary: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for backend, by_contestant in results.items():
        plain = by_contestant["plain"]
        summary[backend] = {}
        for contestant in contestants:
            runs = by_contestant[contestant.key]
            summary[backend][contestant.key] = {
                workload: {
                    "seconds": _time(runs, workload),
                    "ratio": _ratio(runs, plain, workload),
                    "statements": statistics.median(run[workload]["statements"] for run in runs),
                }
                for workload in WORKLOADS
            }
    return summary


def _time(runs: list[Any], workload: str) -> float:
    seconds = [run[workload]["seconds"] for run in runs]
    return min(seconds) if workload in LOADS else statistics.median(seconds)


def _ratio(runs: list[Any], plain: list[Any], workload: str) -> float:
    if workload in LOADS and not runs[0][workload].get("batches"):
        return _time(runs, workload) / _time(plain, workload)
    return statistics.median(
        mine / theirs
        for run, base in zip(runs, plain, strict=True)
        for mine, theirs in zip(_batches(run, workload), _batches(base, workload), strict=True)
    )


def _batches(run: dict[str, Any], workload: str) -> list[float]:
    """Return the median time of each batch (a result without batches counts as one)."""
    result = run[workload]
    return list(result.get("batches") or [result["seconds"]])


def render(
    results: dict[str, dict[str, list[Any]]],
    contestants: list[Contestant],
    sizes: Sizes,
    reps: int,
    environment: dict[str, Any],
    ui: dict[str, Any] | None = None,
    instructions: dict[str, dict[str, dict[str, float]]] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Return the printed report and the summary it shows (with the UI scale results, if any)."""
    summary = summarize(results, contestants)
    titles = workload_titles(sizes)
    lines = [
        f"tsunami benchmark, {datetime.date.today().isoformat()}: Python {environment['python']}, "
        f"Django {environment['django']}, {environment['cpus']} CPUs, "
        f"{environment['minutes']} minutes",
        f"{reps} repetitions, contestants interleaved, each in its own process on an empty "
        "database.",
        f"Writes: {sizes.ops} single-row operations, each in its own transaction.atomic(), in "
        f"batches of {BATCH}; loads: {sizes.iterate_passes} (iterate) and {sizes.load_passes} "
        "(.only()) passes, in fresh processes. The contestants' batches take turns.",
        "time/op: writes, median over repetitions; loads, the fastest pass of all. x plain: "
        "median of the batches' ratios to plain Django's batch run next to them. SQL/op: "
        "statements per operation (BEGIN included where Django sends it).",
    ]
    for backend in summary:
        lines += [
            "",
            f"### {BACKEND_TITLES[backend]}",
            "",
            "| workload | contestant | time/op | x plain | SQL/op |",
            "|---|---|--:|--:|--:|",
        ]
        for workload in WORKLOADS:
            for contestant in contestants:
                row = summary[backend][contestant.key][workload]
                lines.append(
                    f"| {titles[workload]} | {contestant.title} | {_duration(row['seconds'])} "
                    f"| {row['ratio']:.2f}x | {_statements(row['statements'])} |"
                )
    lines += _matrix(summary, contestants, titles)
    lines += _instruction_lines(instructions, contestants)
    goals = _goals(summary, titles) + _instruction_goals(instructions)
    lines += ["", "### Goals (tsunami)", ""]
    lines += [goal["line"] for goal in goals]
    missed = sum(not goal["met"] for goal in goals)
    lines.append(
        f"\n{len(goals) - missed} of {len(goals)} goals met."
        if goals
        else "\nNo goals checked: tsunami did not run."
    )
    ui_goals: list[dict[str, Any]] = []
    if ui is None:
        lines.append(
            "UI scale (timeline, object history and admin pages at 10k vs 1M events): "
            "not measured in this run (it needs PostgreSQL; see --ui-only)."
        )
    else:
        ui_lines, ui_goals = ui_render(ui)
        lines += ui_lines
    return "\n".join(lines), {"summary": summary, "goals": goals, "ui_goals": ui_goals}


def _matrix(
    summary: dict[str, Any], contestants: list[Contestant], titles: dict[str, str]
) -> list[str]:
    backends = list(summary)
    names = " / ".join(BACKEND_TITLES[backend].split(" ")[0] for backend in backends)
    lines = [
        "",
        f"### Ratio to plain Django ({names})",
        "",
        "| | " + " | ".join(titles[w] for w in WORKLOADS) + " |",
        "|---|" + "--:|" * len(WORKLOADS),
    ]
    for contestant in contestants[1:]:
        cells = [
            " / ".join(f"{summary[b][contestant.key][w]['ratio']:.2f}x" for b in backends)
            for w in WORKLOADS
        ]
        lines.append(f"| {contestant.title} | " + " | ".join(cells) + " |")
    return lines


INSTRUCTION_TITLES = {"iterate": "iterate rows", "load_only": "rows via .only()"}


def _instruction_lines(
    counts: dict[str, dict[str, dict[str, float]]] | None, contestants: list[Contestant]
) -> list[str]:
    if not counts:
        return []
    lines = [
        "",
        "### Loads in CPU instructions (callgrind, the Python process)",
        "",
        "Counted, not timed: the same for every run on this machine, whatever its load. On "
        "PostgreSQL the server's work, the same query for every contestant, is not counted.",
        "",
        "| workload | backend | contestant | instructions/row | x plain |",
        "|---|---|---|--:|--:|",
    ]
    names = {contestant.key: contestant.title for contestant in contestants}
    for backend, by_contestant in counts.items():
        for workload, title in INSTRUCTION_TITLES.items():
            for key, by_workload in by_contestant.items():
                ratio = by_workload[workload] / by_contestant["plain"][workload]
                lines.append(
                    f"| {title} | {BACKEND_TITLES[backend]} | {names[key]} "
                    f"| {by_workload[workload]:,.0f} | {ratio:.2f}x |"
                )
    return lines


def _instruction_goals(
    counts: dict[str, dict[str, dict[str, float]]] | None,
) -> list[dict[str, Any]]:
    goals: list[dict[str, Any]] = []
    for backend, by_contestant in (counts or {}).items():
        if "tsunami" not in by_contestant:
            continue
        for workload, title in INSTRUCTION_TITLES.items():
            ratio = by_contestant["tsunami"][workload] / by_contestant["plain"][workload]
            met = ratio <= GOALS[workload]
            goals.append(
                {
                    "backend": backend,
                    "workload": f"{workload}_instructions",
                    "ratio": ratio,
                    "met": met,
                    "line": f"- {BACKEND_TITLES[backend]}, {title}, in instructions: "
                    f"{ratio:.2f}x (goal <= {GOALS[workload]}x) {'met' if met else 'MISSED'}",
                }
            )
    return goals


def _goals(summary: dict[str, Any], titles: dict[str, str]) -> list[dict[str, Any]]:
    goals = []
    for backend, by_contestant in summary.items():
        if "tsunami" not in by_contestant:
            continue
        for workload in WORKLOADS:
            ratio = by_contestant["tsunami"][workload]["ratio"]
            met = ratio <= GOALS[workload]
            line = (
                f"- {BACKEND_TITLES[backend]}, {titles[workload]}: {ratio:.2f}x "
                f"(goal <= {GOALS[workload]}x) {'met' if met else 'MISSED'}"
            )
            if "floor" in by_contestant and workload in WRITES:
                # What the same rows cost with no Python of tsunami's: the reachable least.
                line += f"; the rows alone: {by_contestant['floor'][workload]['ratio']:.2f}x"
            goals.append(
                {
                    "backend": backend,
                    "workload": workload,
                    "ratio": ratio,
                    "met": met,
                    "line": line,
                }
            )
    return goals
