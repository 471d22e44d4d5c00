"""Counters that the reliability tests add to and the terminal summary prints."""

import threading
from collections import Counter

counts: Counter[str] = Counter()
_lock = threading.Lock()

CONCURRENCY_ROUNDS = "concurrency rounds"
FUZZ_CASES = "fuzz cases"
PERMISSION_CELLS = "permission cells checked"
FAILURES = "failures"


def add(kind: str, amount: int = 1) -> None:
    """Add ``amount`` to the counter ``kind``."""
    with _lock:
        counts[kind] += amount
