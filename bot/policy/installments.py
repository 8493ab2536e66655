"""Standard installments (账单分期) and their true annual rate (domain.md §2, §4)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from ._util import CENT, ZERO, Amount, money, money_down, money_up, to_decimal
from .policy_file import ProductPolicy

_APR_PLACES = Decimal("0.0001")  # 0.01 percentage point


@dataclass(frozen=True)
class InstallmentOption:
    months: int
    monthly_fee_rate: Decimal  # fraction of the original principal per month
    monthly_payment: Decimal  # regular payment (periods 1..n-1): the largest one
    last_payment: Decimal | None  # only when rounding makes the last one smaller, else None
    total_fee: Decimal  # the installment cost; shown as interest (利息, 2022 notice)
    total_repay: Decimal
    apr: Decimal  # annualized IRR as a fraction, e.g. Decimal("0.1307")
    affordable: bool | None  # None when no budget was given
    schedule: tuple[Decimal, ...] = ()  # every payment, in order

    @property
    def max_payment(self) -> Decimal:
        """The largest single payment (what a budget must cover): always the one shown."""
        return self.monthly_payment

    @property
    def payments(self) -> list[Decimal]:
        return list(self.schedule)


def payment_schedule(principal: Amount, months: int, monthly_fee_rate: Amount) -> list[Decimal]:
    """The payments of the flat-fee model of §4 (P/n + P·a each month), to the cent.

    The cents P/n leaves over are spread so that no payment is above the first one, the one
    shown: normally the principal part is rounded up and the last payment takes what is left;
    for principals too small for that (under n·(n−1) fen) the earliest payments carry one fen
    more. Either way they add up to exactly P + n·fee."""
    p = money(principal)
    fee = money(p * to_decimal(monthly_fee_rate))
    part = money_up(p / months)
    if part * (months - 1) <= p:
        return [part + fee] * (months - 1) + [p - part * (months - 1) + fee]
    down = money_down(p / months)
    extra = int((p - down * months) / CENT)  # fen left over, fewer than `months`
    return [down + CENT + fee] * extra + [down + fee] * (months - extra)


def flat_fee_schedule(
    principal: Amount, months: int, monthly_fee_rate: Amount
) -> tuple[Decimal, Decimal, Decimal]:
    """(largest payment, last payment, fee per month) of payment_schedule."""
    payments = payment_schedule(principal, months, monthly_fee_rate)
    return payments[0], payments[-1], money(money(principal) * to_decimal(monthly_fee_rate))


@dataclass(frozen=True)
class PlanEstimate:
    """A schedule for `months` at a monthly rate on the principal, with its true annual rate."""

    months: int
    monthly_payment: Decimal  # the largest payment, the first one
    last_payment: Decimal | None  # when rounding makes it smaller, else None
    total_interest: Decimal
    total_repay: Decimal
    apr: Decimal
    schedule: tuple[Decimal, ...] = ()  # every payment, in order

    @property
    def payments(self) -> list[Decimal]:
        return list(self.schedule)


def plan_estimate(principal: Amount, months: int, monthly_fee_rate: Amount) -> PlanEstimate:
    """The flat-fee schedule of `months` for `principal` and its IRR (personalised estimates)."""
    p = money(principal)
    payments = payment_schedule(p, months, monthly_fee_rate)
    total_interest = money(sum(payments, ZERO) - p)
    return PlanEstimate(months, payments[0], payments[-1] if payments[-1] != payments[0] else None,
                        total_interest, money(p + total_interest), irr_apr(p, payments),
                        tuple(payments))


def irr_apr(principal: Amount, payments: Iterable[Amount]) -> Decimal:
    """Annual rate of a loan of `principal` repaid by monthly `payments` (first one month later).

    Returns monthly IRR × 12 (nominal APR), rounded to 4 places. Choice: Chinese banks disclose
    年化利率 this way (2022 notice, §2), and §4's reference values (0.60 %/month over 12 months
    ≈ 13.0 %, 0.75 % ≈ 16.2 %) are nominal; the effective rate (1+r)^12−1 would be higher.
    Float bisection is exact enough for 4 places; the result goes back to Decimal.
    """
    p = float(to_decimal(principal))
    flows = [float(to_decimal(x)) for x in payments]
    if p <= 0 or not flows or any(x < 0 for x in flows):
        raise ValueError("need a positive principal and non-negative payments")

    def npv(rate: float) -> float:  # present value of payments minus principal; falls with rate
        total, factor = 0.0, 1.0
        for x in flows:
            factor /= 1.0 + rate
            total += x * factor
        return total - p

    lo, hi = -0.99, 1.0
    while npv(hi) > 0:  # absurdly expensive plans: widen the bracket
        hi *= 2
        if hi > 1e6:
            raise ValueError("no IRR found")
    if npv(lo) < 0:
        raise ValueError("payments too small to have an IRR")
    for _ in range(200):
        mid = (lo + hi) / 2
        if npv(mid) > 0:
            lo = mid
        else:
            hi = mid
    return Decimal(repr(12 * (lo + hi) / 2)).quantize(_APR_PLACES, rounding=ROUND_HALF_UP)


def installment_options(
    policy: ProductPolicy, principal: Amount, monthly_budget: Amount | None = None
) -> list[InstallmentOption]:
    """list[InstallmentOption], one per term in the policy file, shortest first.
    Empty when the product has no standard installments or the principal is below the minimum."""
    p = money(principal)
    budget = None if monthly_budget is None else to_decimal(monthly_budget)
    if p <= 0 or p < policy.installment.min_principal:
        return []
    options: list[InstallmentOption] = []
    for term in policy.installment.terms:
        plan = plan_estimate(p, term.months, term.monthly_fee_rate)
        options.append(
            InstallmentOption(
                months=term.months,
                monthly_fee_rate=term.monthly_fee_rate,
                monthly_payment=plan.monthly_payment,
                last_payment=plan.last_payment,
                total_fee=plan.total_interest,
                total_repay=plan.total_repay,
                apr=plan.apr,
                affordable=None if budget is None else plan.monthly_payment <= budget,
                schedule=plan.schedule,
            )
        )
    return options


def recommend_installment(
    options: Sequence[InstallmentOption], monthly_budget: Amount | None
) -> InstallmentOption | None:
    """The shortest option whose largest payment fits the budget (shortest = least total fee
    and debt-free soonest; not always the lowest APR), or None if none fits or no budget."""
    if monthly_budget is None:
        return None
    budget = to_decimal(monthly_budget)
    fitting = [o for o in options if o.max_payment <= budget]
    return min(fitting, key=lambda o: o.months) if fitting else None
