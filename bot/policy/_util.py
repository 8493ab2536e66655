"""Small helpers shared by the policy modules: money rounding and calendar maths."""
from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# What the amount arguments accept (to_decimal checks it again at run time).
Amount = Decimal | int | str | float


def to_decimal(value: Amount) -> Decimal:
    """Accept Decimal/int/str/float; floats go through str() so 0.1 stays 0.1."""
    if isinstance(value, bool):  # bool is an int subclass; almost surely a bug
        raise TypeError("expected an amount, got bool")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    raise TypeError(f"expected an amount, got {type(value).__name__}")


def money(value: Amount) -> Decimal:
    """Round to the cent, half up (the shared money convention)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_down(value: Amount) -> Decimal:
    """Truncate to the cent; used for per-period principal so the remainder is never lost."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_DOWN)


def money_up(value: Amount) -> Decimal:
    """Round up to the cent; per-period principal, so no later payment exceeds the first."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_UP)


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def compound_interest(
    base: Decimal, daily_rate: Decimal, days: int, period_days: int
) -> tuple[Decimal, int]:
    """Interest on `base` over `days`, posted every `period_days` and then earning interest itself.

    Each posting is rounded to the cent, as a statement would show it. Only interest is added to
    the base, never fees (domain.md §2: 违约金 must not bear interest). period_days 0 = simple.
    Returns (interest, number_of_postings).
    """
    if days <= 0 or base <= 0 or daily_rate <= 0:
        return ZERO, 0
    accrued = ZERO
    postings = 0
    remaining = days
    while remaining > 0:
        chunk = remaining if period_days <= 0 else min(period_days, remaining)
        accrued += money((base + accrued) * daily_rate * chunk)
        postings += 1
        remaining -= chunk
    return accrued, postings
