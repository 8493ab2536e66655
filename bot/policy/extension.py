"""Extension / deferral of the due date (延期还款, domain.md §4: practice, product-specific)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ._util import ZERO, Amount, add_months, compound_interest, money, to_decimal
from .policy_file import ProductPolicy

OK = "ok"
NOT_OFFERED = "not_offered"
NOTHING_DUE = "nothing_due"
NOT_OVERDUE = "not_overdue"  # an extension is for short overdue (§4), not before the due date
TOO_FAR_OVERDUE = "too_far_overdue"
USED_RECENTLY = "used_recently"


@dataclass(frozen=True)
class ExtensionOption:
    days: int
    new_due_date: date
    fee: Decimal
    interest_during: Decimal  # estimated interest accruing during the extension

    @property
    def total_cost(self) -> Decimal:
        return money(self.fee + self.interest_during)


@dataclass(frozen=True)
class ExtensionResult:
    eligible: bool
    reason: str  # OK | NOT_OFFERED | NOTHING_DUE | NOT_OVERDUE | TOO_FAR_OVERDUE | USED_RECENTLY
    options: list[ExtensionOption] = field(default_factory=list)  # empty unless eligible
    available_from: date | None = None  # with USED_RECENTLY: first day it can be used again


def extension_options(
    policy: ProductPolicy,
    days_overdue: int,
    unpaid_minimum: Amount,
    balance: Amount,
    last_extension_on: date | None,
    today: date,
    due_date: date | None = None,
) -> ExtensionResult:
    """Extension choices, or why there are none.

    Conditions (policy.extension): offered for the product; something is due (above the
    tolerance); already overdue (§4: for short overdue), and days_overdue ≤ max_days_overdue; none used in the last once_per_months months.
    New due date = max(today, due_date) + days (due_date is optional: pass it so an extension
    asked for before the due date never moves it earlier).
    Cost = fee (fee_rate × unpaid minimum, at least fee_min) + interest on the policy's interest
    basis during the extra days if interest continues (estimate: compounding from the original
    start date is not repeated here)."""
    rule = policy.extension
    unpaid = to_decimal(unpaid_minimum)
    if not rule.enabled or not rule.days:
        return ExtensionResult(False, NOT_OFFERED)
    if unpaid <= policy.tolerance or unpaid <= 0:
        return ExtensionResult(False, NOTHING_DUE)
    if days_overdue <= 0:
        return ExtensionResult(False, NOT_OVERDUE)
    if days_overdue > rule.max_days_overdue:
        return ExtensionResult(False, TOO_FAR_OVERDUE)
    if last_extension_on is not None and rule.once_per_months > 0:
        again = add_months(last_extension_on, rule.once_per_months)
        if today < again:
            return ExtensionResult(False, USED_RECENTLY, [], again)

    fee = ZERO
    if rule.fee_rate > 0 or rule.fee_min > 0:
        fee = max(money(rule.fee_rate * unpaid), money(rule.fee_min))
    base = to_decimal(balance) if policy.interest.basis == "balance" else unpaid
    start = today if due_date is None else max(today, due_date)
    options: list[ExtensionOption] = []
    for days in rule.days:
        interest = ZERO
        if rule.interest_continues:
            interest, _ = compound_interest(
                money(base), policy.interest.daily_rate, days, policy.interest.compound_every_days
            )
        options.append(ExtensionOption(days, start + timedelta(days=days), fee, interest))
    return ExtensionResult(True, OK, options)
