"""Standard installments (账单分期) and their true annual rate (domain.md §2, §4)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ._util import money, money_down, to_decimal
from .policy_file import ProductPolicy

_APR_PLACES = Decimal("0.0001")  # 0.01 percentage point


@dataclass(frozen=True)
class InstallmentOption:
    months: int
    monthly_fee_rate: Decimal  # fraction of the original principal per month
    monthly_payment: Decimal  # regular payment (periods 2..n)
    first_payment: Decimal | None  # only when rounding makes period 1 differ, else None
    total_fee: Decimal
    total_repay: Decimal
    apr: Decimal  # annualized IRR as a fraction, e.g. Decimal("0.1307")
    affordable: bool | None  # None when no budget was given

    @property
    def max_payment(self) -> Decimal:
        """The largest single payment (what a budget must cover)."""
        return max(self.monthly_payment, self.first_payment or self.monthly_payment)

    @property
    def payments(self) -> list:
        first = self.first_payment or self.monthly_payment
        return [first] + [self.monthly_payment] * (self.months - 1)


def flat_fee_schedule(principal, months: int, monthly_fee_rate):
    """(first, regular, fee_per_month) for the flat-fee model of §4: P/n + P·a each month.
    Principal per month is truncated to the cent and the leftover cents go into period 1,
    so the payments add up to exactly P + n·fee."""
    p = money(principal)
    part = money_down(p / months)
    fee = money(p * to_decimal(monthly_fee_rate))
    regular = part + fee
    first = regular + (p - part * months)
    return first, regular, fee


def irr_apr(principal, payments) -> Decimal:
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


def installment_options(policy: ProductPolicy, principal, monthly_budget=None) -> list:
    """list[InstallmentOption], one per term in the policy file, shortest first.
    Empty when the product has no standard installments or the principal is below the minimum."""
    p = money(principal)
    budget = None if monthly_budget is None else to_decimal(monthly_budget)
    if p <= 0 or p < policy.installment.min_principal:
        return []
    options = []
    for term in policy.installment.terms:
        first, regular, fee = flat_fee_schedule(p, term.months, term.monthly_fee_rate)
        total_fee = money(fee * term.months)
        payments = [first] + [regular] * (term.months - 1)
        options.append(
            InstallmentOption(
                months=term.months,
                monthly_fee_rate=term.monthly_fee_rate,
                monthly_payment=regular,
                first_payment=first if first != regular else None,
                total_fee=total_fee,
                total_repay=money(p + total_fee),
                apr=irr_apr(p, payments),
                affordable=None if budget is None else max(first, regular) <= budget,
            )
        )
    return options


def recommend_installment(options, monthly_budget):
    """The shortest option whose largest payment fits the budget (shortest = least total fee
    and debt-free soonest; not always the lowest APR), or None if none fits or no budget."""
    if monthly_budget is None:
        return None
    budget = to_decimal(monthly_budget)
    fitting = [o for o in options if o.max_payment <= budget]
    return min(fitting, key=lambda o: o.months) if fitting else None
