"""Whether to prepare an application for a longer, personalised schedule (domain.md §4).

For cards that is the 个性化分期还款协议 of card rules Art. 70; for loans and other credit a
schedule renegotiated with the lender (policy `personalised.basis`). The lender decides: this
only checks that an application makes sense and estimates the payment and its annual rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ._util import Amount, to_decimal
from .installments import PlanEstimate, installment_options, plan_estimate
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
AFFORDABLE_REGULAR_PAYMENT = "affordable_regular_payment"  # the contract's own payment fits
BUDGET_TOO_LOW_EVEN_60 = "budget_too_low_even_60"  # even max_months is too much (code keeps "60")


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)  # the codes above
    max_months: int = 0
    suggested_months: int | None = None  # shortest affordable length, when eligible
    # largest payment for suggested_months; when BUDGET_TOO_LOW_EVEN_60, the payment at
    # max_months (to say "even N months needs ¥X"); else None
    monthly_payment: Decimal | None = None
    apr: Decimal | None = None  # annual rate (IRR) of the schedule behind monthly_payment
    estimate: PlanEstimate | None = None


def blocking_reasons(policy: ProductPolicy, balance: Amount, days_overdue: int,
                     already_on_personalised: bool = False) -> list[str]:
    """The reasons that do not depend on the budget (also checked again at submit time)."""
    rule = policy.personalised
    bal = to_decimal(balance)
    reasons: list[str] = []
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
    return reasons


def personalised_estimate(
    policy: ProductPolicy, balance: Amount, months: int
) -> PlanEstimate | None:
    """The estimated schedule for `months`, or None when the policy does not allow that length."""
    rule = policy.personalised
    if not isinstance(months, int) or not rule.min_months <= months <= rule.max_months:
        return None
    return plan_estimate(balance, months, rule.estimated_monthly_fee_rate)


def personalised_eligibility(
    policy: ProductPolicy,
    balance: Amount,
    monthly_budget: Amount | None,
    days_overdue: int,
    monthly_income: Amount | None = None,
    already_on_personalised: bool = False,
    regular_payment: Amount | None = None,
) -> Eligibility:
    """Check every condition and return all blocking reasons at once.

    Budget: the stated monthly budget; if missing, budget_share_of_income × monthly_income.
    regular_payment: the contract's own payment per period (loans); when the budget covers it,
    a longer schedule is not needed. Payment estimate: flat fee model of §4 with
    estimated_monthly_fee_rate (an estimate, the agreement decides whether interest continues)."""
    rule = policy.personalised
    bal = to_decimal(balance)
    income = None if monthly_income is None else to_decimal(monthly_income)
    budget = None if monthly_budget is None else to_decimal(monthly_budget)
    if budget is None and income is not None:
        budget = income * rule.budget_share_of_income

    reasons = blocking_reasons(policy, bal, days_overdue, already_on_personalised)
    if budget is None or budget <= 0:
        reasons.append(BUDGET_UNKNOWN)
        budget = None
    elif income is not None and monthly_budget is not None and budget > income:
        reasons.append(BUDGET_EXCEEDS_INCOME)

    estimate = None
    if budget is not None and NOTHING_DUE not in reasons:
        options = installment_options(policy, bal, budget)
        if any(o.affordable for o in options):
            reasons.append(AFFORDABLE_STANDARD_TERM)
        elif not options and regular_payment is not None and 0 < to_decimal(regular_payment) <= budget:
            reasons.append(AFFORDABLE_REGULAR_PAYMENT)
        else:
            for months in range(rule.min_months, rule.max_months + 1):
                candidate = personalised_estimate(policy, bal, months)
                if candidate is not None and candidate.monthly_payment <= budget:
                    estimate = candidate
                    break
            else:
                reasons.append(BUDGET_TOO_LOW_EVEN_60)
                estimate = personalised_estimate(policy, bal, rule.max_months)

    eligible = not reasons
    shown = estimate if (eligible or BUDGET_TOO_LOW_EVEN_60 in reasons) else None
    return Eligibility(
        eligible=eligible,
        reasons=reasons,
        max_months=rule.max_months,
        suggested_months=estimate.months if eligible and estimate else None,
        monthly_payment=shown.monthly_payment if shown else None,
        apr=shown.apr if shown else None,
        estimate=shown,
    )
