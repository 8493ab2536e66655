"""Late charges (违约金 + overdue interest) and what waiting costs (domain.md §2)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from ._util import ZERO, Amount, compound_interest, money, to_decimal
from .overdue import days_overdue as _days_overdue
from .overdue import in_grace
from .policy_file import InterestRule, PenaltyRule, ProductPolicy

_RATE_PLACES = Decimal("0.0001")

PENALTY = "penalty"  # ChargeLine.name_key of 违约金
OVERDUE_INTEREST = "overdue_interest"  # ChargeLine.name_key of 逾期利息 / 罚息

# One input of a charge's calculation: a rate or amount, a count, a basis name, a date, or
# None (no cap).
BasisValue = Decimal | int | str | date | None


@dataclass(frozen=True)
class ChargeLine:
    name_key: str  # PENALTY | OVERDUE_INTEREST; responses translate it
    amount: Decimal
    # inputs of the calculation, for "how is this computed?"
    basis: dict[str, BasisValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Charges:
    penalty: Decimal
    interest: Decimal
    total_extra: Decimal
    days_overdue: int
    lines: list[ChargeLine] = field(default_factory=list)  # only charges > 0


@dataclass(frozen=True)
class WaitingCost:
    delay_days: int
    pay_on: date
    total_extra: Decimal
    increase_vs_today: Decimal


def penalty_for(
    rule: PenaltyRule, unpaid_minimum: Decimal, days: int
) -> tuple[Decimal, Decimal, int]:
    """违约金 for `days` overdue: one charge per started block of `per_days` (one missed cycle),
    each rate × unpaid minimum clamped to [floor, cap]. Rate 0 disables it (e.g. loans).
    Returns (total, per_cycle, cycles). Simplification: every cycle uses today's unpaid minimum."""
    if rule.rate <= 0 or days <= 0 or unpaid_minimum <= 0:
        return ZERO, ZERO, 0
    cycles = -(-days // rule.per_days)  # ceil: a started cycle counts
    per_cycle = max(money(rule.rate * unpaid_minimum), money(rule.floor))
    if rule.cap is not None:
        per_cycle = min(per_cycle, money(rule.cap))
    return money(per_cycle * cycles), per_cycle, cycles


def annual_rate(rule: InterestRule) -> Decimal:
    """The overdue daily rate annualized, as it must be shown since 2021 (§2).

    Compounded every k days: (1 + d·k)^(365/k) − 1, so 0.05 %/day every 30 days is ≈ 19.9 %,
    not the simple 18.25 %; with k = 0 (simple interest) it is d × 365. 4 places."""
    d = float(rule.daily_rate)
    k = rule.compound_every_days
    value = (1 + d * k) ** (365 / k) - 1 if k > 0 else d * 365
    return Decimal(repr(value)).quantize(_RATE_PLACES, rounding=ROUND_HALF_UP)


def interest_start(policy: ProductPolicy, due_date: date, statement_date: date | None) -> date:
    """Cards: from the statement (posting) date; loans: from the due date (§2).
    Falls back to the due date if no statement date is known: that can only understate."""
    if policy.interest.start == "statement_date" and statement_date is not None:
        return statement_date
    return due_date


def accrued_charges(
    policy: ProductPolicy,
    balance: Amount,
    unpaid_minimum: Amount,
    due_date: date,
    statement_date: date | None,
    today: date,
) -> Charges:
    """Late charges owed if the borrower pays on `today`.

    - Nothing while not overdue, within tolerance, or (if the policy says so) within grace:
      paying inside 容时 counts as on time; after it, interest runs from the start date (§2).
    - 违约金: see penalty_for.
    - Interest: daily rate × basis (balance for cards, the overdue instalment for loans) from
      interest_start to today, compounded every `compound_every_days` on interest only,
      never on the penalty (银发〔2016〕111号: 违约金 bears no interest).
    """
    balance = to_decimal(balance)
    unpaid = to_decimal(unpaid_minimum)
    days = _days_overdue(due_date, today, unpaid, policy)
    if days == 0 or (policy.grace_waives_charges and in_grace(days, policy)):
        return Charges(ZERO, ZERO, ZERO, days, [])

    lines: list[ChargeLine] = []
    penalty, per_cycle, cycles = penalty_for(policy.penalty, unpaid, days)
    if penalty > 0:
        lines.append(
            ChargeLine(
                PENALTY,
                penalty,
                {
                    "rate": policy.penalty.rate,
                    "unpaid_minimum": money(unpaid),
                    "per_cycle": per_cycle,
                    "cycles": cycles,
                    "floor": policy.penalty.floor,
                    "cap": policy.penalty.cap,
                },
            )
        )

    rule = policy.interest
    base = balance if rule.basis == "balance" else unpaid
    start = interest_start(policy, due_date, statement_date)
    interest_days = max(0, (today - start).days)
    interest, postings = compound_interest(
        money(base), rule.daily_rate, interest_days, rule.compound_every_days
    )
    if interest > 0:
        lines.append(
            ChargeLine(
                OVERDUE_INTEREST,
                interest,
                {
                    "daily_rate": rule.daily_rate,
                    "basis": rule.basis,
                    "principal": money(base),
                    "from": start,
                    "to": today,
                    "days": interest_days,
                    "postings": postings,
                    "compound_every_days": rule.compound_every_days,
                },
            )
        )
    return Charges(penalty, interest, money(penalty + interest), days, lines)


def cost_of_waiting(
    policy: ProductPolicy,
    balance: Amount,
    unpaid_minimum: Amount,
    due_date: date,
    statement_date: date | None,
    today: date,
    delays: Iterable[int] = (0, 7, 30),
) -> list[WaitingCost]:
    """list[WaitingCost]: late charges if paid `d` days from today, for each d in `delays`
    (order kept), and the increase over paying today. Never decreasing in d."""
    def total_on(day: date) -> Decimal:
        return accrued_charges(policy, balance, unpaid_minimum, due_date, statement_date, day).total_extra

    now = total_on(today)
    result: list[WaitingCost] = []
    for delay in delays:
        if delay < 0:
            raise ValueError("delays must be ≥ 0")
        pay_on = today + timedelta(days=delay)
        total = total_on(pay_on)
        result.append(WaitingCost(delay, pay_on, total, money(total - now)))
    return result
