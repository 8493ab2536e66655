"""Whether to prepare a 个性化分期还款协议 application (domain.md §4, card rules Art. 70).

The bank decides; this only checks that an application makes sense and estimates the payment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ._util import to_decimal
from .installments import flat_fee_schedule, installment_options
from .policy_file import ProductPolicy

# Reason codes (blocking; eligible ⇔ no reasons). Responses turn them into sentences.
NOT_OFFERED = "not_offered"
NOTHING_DUE = "nothing_due"
NOT_OVERDUE = "not_overdue"
OVERDUE_TOO_SHORT = "overdue_too_short"  # overdue, but less than min_days_overdue
ALREADY_ON_PERSONALISED = "already_on_personalised"  # 2022 notice: no second re-installment
BUDGET_UNKNOWN = "budget_unknown"
BUDGET_EXCEEDS_INCOME = "budget_exceeds_income"  # inconsistent answers: ask again
AFFORDABLE_STANDARD_TERM = "affordable_standard_term"  # a normal installment fits: use that
BUDGET_TOO_LOW_EVEN_60 = "budget_too_low_even_60"  # even max_months is too much (code keeps "60")


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list = field(default_factory=list)  # list[str] of the codes above
    max_months: int = 0
    suggested_months: int | None = None  # shortest affordable length, when eligible
    # estimated regular payment for suggested_months; when BUDGET_TOO_LOW_EVEN_60, the payment
    # at max_months (to say "even N months needs ¥X"); else None
    monthly_payment: Decimal | None = None


def personalised_eligibility(
    policy: ProductPolicy,
    balance,
    monthly_budget,
    days_overdue: int,
    monthly_income=None,
    already_on_personalised: bool = False,
) -> Eligibility:
    """Check every condition and return all blocking reasons at once.

    Budget: the stated monthly budget; if missing, budget_share_of_income × monthly_income.
    Payment estimate: flat fee model of §4 with estimated_monthly_fee_rate (an estimate, the
    agreement decides whether fees continue)."""
    rule = policy.personalised
    bal = to_decimal(balance)
    income = None if monthly_income is None else to_decimal(monthly_income)
    budget = None if monthly_budget is None else to_decimal(monthly_budget)
    if budget is None and income is not None:
        budget = income * rule.budget_share_of_income

    reasons = []
    if not rule.enabled:
        reasons.append(NOT_OFFERED)
    if bal <= policy.tolerance or bal <= 0:
        reasons.append(NOTHING_DUE)
    if days_overdue <= 0:
        reasons.append(NOT_OVERDUE)
    elif days_overdue < rule.min_days_overdue:
        reasons.append(OVERDUE_TOO_SHORT)
    if already_on_personalised:
        reasons.append(ALREADY_ON_PERSONALISED)
    if budget is None or budget <= 0:
        reasons.append(BUDGET_UNKNOWN)
        budget = None
    elif income is not None and monthly_budget is not None and budget > income:
        reasons.append(BUDGET_EXCEEDS_INCOME)

    suggested = payment = None
    if budget is not None and NOTHING_DUE not in reasons:
        if any(o.affordable for o in installment_options(policy, bal, budget)):
            reasons.append(AFFORDABLE_STANDARD_TERM)
        else:
            for months in range(rule.min_months, rule.max_months + 1):
                first, regular, _ = flat_fee_schedule(bal, months, rule.estimated_monthly_fee_rate)
                if max(first, regular) <= budget:
                    suggested, payment = months, regular
                    break
            else:
                reasons.append(BUDGET_TOO_LOW_EVEN_60)
                _, payment, _ = flat_fee_schedule(
                    bal, rule.max_months, rule.estimated_monthly_fee_rate
                )

    eligible = not reasons
    return Eligibility(
        eligible=eligible,
        reasons=reasons,
        max_months=rule.max_months,
        suggested_months=suggested if eligible else None,
        monthly_payment=payment if (eligible or BUDGET_TOO_LOW_EVEN_60 in reasons) else None,
    )
