from tests.reliability import stats


def pytest_runtest_logreport(report):
    if "reliability" not in report.keywords:
        return
    if report.when == "call":
        stats.add("tests")
    if report.failed:
        stats.add(stats.FAILURES)
    elif hasattr(report, "wasxfail") and report.skipped:
        stats.add("known defects")


def pytest_terminal_summary(terminalreporter):
    counts = stats.counts
    if not counts["tests"] and not counts[stats.FAILURES]:
        return
    terminalreporter.write_line(
        f"reliability: {counts[stats.CONCURRENCY_ROUNDS]} concurrency rounds, "
        f"{counts[stats.FUZZ_CASES]} fuzz cases, "
        f"{counts[stats.PERMISSION_CELLS]} permission cells checked, "
        f"{counts[stats.FAILURES]} failures"
        + (f" ({counts['known defects']} known defects, xfail)" if counts["known defects"] else "")
    )
