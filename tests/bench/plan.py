"""What one run does: the workloads and how much work each is (no Django imports here)."""

from __future__ import annotations

from dataclasses import dataclass

WRITES = ("create", "update", "delete", "fk_m2m")
LOADS = ("iterate", "load_only")
WORKLOADS = WRITES + LOADS


@dataclass(frozen=True)
class Sizes:
    """How much work one run does."""

    ops: int = 1000
    warmup: int = 20
    counted: int = 20
    iterate_rows: int = 20_000
    iterate_passes: int = 5
    load_rows: int = 1000
    load_passes: int = 30
