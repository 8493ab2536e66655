"""Installment schedules, IRR-based APR, affordability and the recommendation."""
import dataclasses
from decimal import Decimal as D

import pytest

from bot.policy import installment_options, irr_apr, load_policy, recommend_installment
from bot.policy.installments import flat_fee_schedule, payment_schedule

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")


def by_months(options):
    return {o.months: o for o in options}


# ---------------------------------------------------------------- IRR


def test_irr_reference_values_from_domain_md():
    p = D("12000")
    apr_060 = irr_apr(p, [p / 12 + p * D("0.006")] * 12)
    apr_075 = irr_apr(p, [p / 12 + p * D("0.0075")] * 12)
    assert abs(apr_060 - D("0.130")) <= D("0.001")
    assert abs(apr_075 - D("0.162")) <= D("0.001")
    assert apr_060 == D("0.1303")
    assert apr_075 == D("0.1622")
    assert apr_060 > 12 * D("0.006")  # the naive 7.2 % understates the cost


def test_irr_of_known_annuity():
    # ¥11,255.08 repaid by 12 × ¥1,000 is a 1 %/month annuity → 12 % nominal APR
    assert irr_apr(D("11255.08"), [D("1000")] * 12) == D("0.1200")


def test_irr_zero_and_negative():
    assert irr_apr(D("1200"), [D("100")] * 12) == D("0.0000")
    assert irr_apr(D("1200"), [D("90")] * 12) < 0


def test_irr_close_to_rule_of_thumb_for_short_terms():
    for n in (3, 6, 9, 12):
        for a in (D("0.005"), D("0.006"), D("0.0075"), D("0.0088")):
            approx = 24 * a * n / (n + 1)  # §4's rule of thumb, within 3 % of the exact IRR
            assert abs(irr_apr(D("10000"), [D("10000") / n + D("10000") * a] * n) - approx) < approx * D("0.03")


def test_irr_rejects_bad_input():
    with pytest.raises(ValueError):
        irr_apr(D("0"), [D("1")])
    with pytest.raises(ValueError):
        irr_apr(D("100"), [])


# ---------------------------------------------------------------- schedules


def test_twelve_months_at_060():
    o = by_months(installment_options(CARD, D("12000")))[12]
    assert o.monthly_fee_rate == D("0.006")
    assert o.monthly_payment == D("1072.00")  # 1000 + 72
    assert o.last_payment is None
    assert o.total_fee == D("864.00")
    assert o.total_repay == D("12864.00")
    assert o.apr == D("0.1303")
    assert o.affordable is None


def test_rounding_cents_make_only_the_last_payment_smaller():
    o = by_months(installment_options(CARD, D("10000")))[3]
    # 10000 / 3 → 3333.34 rounded up, fee 10000 × 0.88 % = 88.00; the last takes 3333.32
    assert o.monthly_payment == D("3421.34")
    assert o.last_payment == D("3421.32")
    assert o.payments == [D("3421.34"), D("3421.34"), D("3421.32")]
    assert o.total_fee == D("264.00")
    assert o.total_repay == D("10264.00")
    assert o.max_payment == D("3421.34")  # no payment is above the one shown


def test_payments_always_add_up_to_total_repay():
    for principal in ("500", "999.99", "1234.56", "12000", "33333.33", "87654.32"):
        for o in installment_options(CARD, D(principal)):
            assert sum(o.payments, D("0")) == o.total_repay
            assert o.total_repay == D(principal) + o.total_fee
            assert len(o.payments) == o.months
            assert o.last_payment is None or o.last_payment < o.monthly_payment
            assert max(o.payments) == o.monthly_payment
            assert D("0.05") < o.apr < D("0.25")


def test_schedule_helper_matches_formula():
    regular, last, fee = flat_fee_schedule(D("9000"), 9, D("0.007"))
    assert (regular, last, fee) == (D("1063.00"), D("1063.00"), D("63.00"))


def test_tiny_principal_over_many_months_still_adds_up():
    for p in ("0.59", "1", "17.70", "35.39", "35.40", "1234.57"):
        payments = payment_schedule(D(p), 60, D("0.003"))
        regular, last, fee = flat_fee_schedule(D(p), 60, D("0.003"))
        assert max(payments) == payments[0] == regular and payments[-1] == last >= 0
        assert sum(payments) == D(p) + fee * 60


def test_options_follow_policy_terms():
    assert [o.months for o in installment_options(CARD, D("5000"))] == [3, 6, 9, 12, 18, 24, 36]
    only_two = dataclasses.replace(
        CARD, installment=dataclasses.replace(CARD.installment, terms=CARD.installment.terms[:2])
    )
    assert [o.months for o in installment_options(only_two, D("5000"))] == [3, 6]


def test_minimum_principal_and_products_without_installments():
    assert installment_options(CARD, D("499.99")) == []
    assert installment_options(CARD, D("500")) != []
    assert installment_options(LOAN, D("20000")) == []
    assert installment_options(CARD, D("0")) == []


# ---------------------------------------------------------------- affordability


def test_affordable_flags_and_recommendation():
    options = installment_options(CARD, D("12000"), monthly_budget=D("1072"))
    flags = {o.months: o.affordable for o in options}
    assert flags == {3: False, 6: False, 9: False, 12: True, 18: True, 24: True, 36: True}
    assert recommend_installment(options, D("1072")).months == 12  # equal to budget is fine


def test_recommend_shortest_affordable():
    options = installment_options(CARD, D("12000"))
    assert recommend_installment(options, D("1071.99")).months == 18
    assert recommend_installment(options, D("5000")).months == 3
    assert recommend_installment(options, D("300")) is None
    assert recommend_installment(options, None) is None
    assert recommend_installment([], D("5000")) is None


def test_the_payment_shown_is_what_affordability_uses():
    options = by_months(installment_options(CARD, D("12000"), D("738.66")))
    assert options[18].monthly_payment == D("738.67")  # 666.67 + 72, the last 738.61
    assert options[18].affordable is False
    assert recommend_installment(list(options.values()), D("738.66")).months == 24
    assert recommend_installment(list(options.values()), D("738.67")).months == 18


def test_recommendation_is_affordable_and_no_shorter_one_is():
    options = installment_options(CARD, D("20000"))
    for budget in range(100, 8000, 37):
        best = recommend_installment(options, D(budget))
        fitting = [o for o in options if o.max_payment <= budget]
        if best is None:
            assert fitting == []
        else:
            assert best.max_payment <= budget
            assert all(o.months >= best.months for o in fitting)
