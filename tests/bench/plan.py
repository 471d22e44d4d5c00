"""What one run does: the workloads and how much work each is (no Django imports here)."""

from __future__ import annotations

from dataclasses import dataclass

WRITES = ("create", "update", "delete", "fk_m2m")
#: The order the writes run in: updates and deletes need the created books.
WRITE_ORDER = ("create", "update", "fk_m2m", "delete")
#: Writes are timed in batches of this many operations, the contestants' batches in turn.
BATCH = 50
LOADS = ("iterate", "load_only")
WORKLOADS = WRITES + LOADS


@dataclass(frozen=True)
class Sizes:
    """How much work one run does."""

    ops: int = 1000
    warmup: int = 20
    counted: int = 20
    iterate_rows: int = 20_000
    iterate_passes: int = 10
    load_rows: int = 1000
    load_passes: int = 30
