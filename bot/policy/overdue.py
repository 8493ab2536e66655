"""Days overdue and the overdue stage (domain.md §1 stages, §2 grace/tolerance)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ._util import Amount, to_decimal
from .policy_file import ProductPolicy

# Industry stage bands (§1: M1 < 1 month, M2–M3 1–3 months, M3+ > 3 months); fixed by the
# shared contract, so not an editor setting. Only the labels live in the policy file.
_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("M1", 1, 30),
    ("M2", 31, 60),
    ("M3", 61, 90),
    ("M3+", 91, None),
)


@dataclass(frozen=True)
class Stage:
    code: str  # "current" | "grace" | "M1" | "M2" | "M3" | "M3+"
    label: str  # short Chinese name from the policy file, e.g. "宽限期内"
    min_days: int
    max_days: int | None  # None = open-ended (M3+)


def days_overdue(
    due_date: date, today: date, unpaid_minimum: Amount, policy: ProductPolicy
) -> int:
    """Calendar days since `due_date`; 0 if not late yet or the unpaid minimum is within the
    small-balance tolerance (容差, §2 practice: unpaid ≤ tolerance counts as paid)."""
    late = (today - due_date).days
    if late <= 0:
        return 0
    if to_decimal(unpaid_minimum) <= policy.tolerance:
        return 0
    return late


def stage_for(days_overdue: int, policy: ProductPolicy) -> Stage:
    """Stage for a number of days overdue. Days 1..grace_days are "grace" (容时, §2);
    the M1 band then starts the day after the grace period."""
    if days_overdue < 0:
        raise ValueError("days_overdue must be ≥ 0")
    if days_overdue == 0:
        return Stage("current", policy.label_for("current"), 0, 0)
    grace = policy.grace_days
    if days_overdue <= grace:
        return Stage("grace", policy.label_for("grace"), 1, grace)
    for code, lo, hi in _BANDS:
        if hi is None or days_overdue <= hi:
            return Stage(code, policy.label_for(code), max(lo, grace + 1), hi)
    raise AssertionError("unreachable: the last band is open-ended")


def in_grace(days: int, policy: ProductPolicy) -> bool:
    """True while a late payment still counts as on time (容时)."""
    return 0 < days <= policy.grace_days


__all__ = ["Stage", "days_overdue", "stage_for", "in_grace"]
