"""个性化分期 application checks: reasons, suggested length, payment estimate."""
import dataclasses
from decimal import Decimal as D

from bot.policy import (
    blocking_reasons,
    irr_apr,
    load_policy,
    personalised_eligibility,
    personalised_estimate,
)
from bot.policy.installments import flat_fee_schedule

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")


def test_eligible_with_shortest_affordable_length():
    e = personalised_eligibility(CARD, D("50000"), D("1000"), 40)
    assert e.eligible and e.reasons == []
    assert e.max_months == 60
    # 59 months: 50000/59 → 847.46 (rounded up) + fee 150 = 997.46, last one smaller;
    # 58 months: 862.07 + 150 = 1012.07 > 1000
    assert e.suggested_months == 59
    assert e.monthly_payment == D("997.46")
    assert e.estimate.last_payment < e.monthly_payment
    assert e.apr == irr_apr(D("50000"), e.estimate.payments)  # every estimate has its rate


def test_income_only_uses_budget_share():
    e = personalised_eligibility(CARD, D("50000"), None, 40, monthly_income=D("2000"))
    assert e.eligible and e.suggested_months == 59


def test_not_overdue():
    e = personalised_eligibility(CARD, D("50000"), D("1000"), 0)
    assert not e.eligible and e.reasons == ["not_overdue"]
    assert e.suggested_months is None and e.monthly_payment is None


def test_overdue_too_short_is_a_setting():
    strict = dataclasses.replace(CARD, personalised=dataclasses.replace(CARD.personalised, min_days_overdue=90))
    assert personalised_eligibility(strict, D("50000"), D("1000"), 40).reasons == ["overdue_too_short"]
    assert personalised_eligibility(strict, D("50000"), D("1000"), 90).eligible


def test_already_on_personalised():
    e = personalised_eligibility(CARD, D("50000"), D("1000"), 40, already_on_personalised=True)
    assert not e.eligible and e.reasons == ["already_on_personalised"]


def test_affordable_standard_term():
    e = personalised_eligibility(CARD, D("12000"), D("1100"), 40)
    assert not e.eligible and e.reasons == ["affordable_standard_term"]


def test_budget_too_low_even_60():
    e = personalised_eligibility(CARD, D("50000"), D("500"), 40)
    assert not e.eligible and e.reasons == ["budget_too_low_even_60"]
    assert e.suggested_months is None
    assert e.monthly_payment == D("983.34")  # what 60 months would need: 833.34 + 150
    assert e.apr is not None and e.estimate.months == 60


def test_budget_unknown_and_inconsistent():
    assert personalised_eligibility(CARD, D("50000"), None, 40).reasons == ["budget_unknown"]
    assert personalised_eligibility(CARD, D("50000"), D("0"), 40).reasons == ["budget_unknown"]
    e = personalised_eligibility(CARD, D("50000"), D("3000"), 40, monthly_income=D("2000"))
    assert "budget_exceeds_income" in e.reasons and not e.eligible


def test_nothing_due():
    assert personalised_eligibility(CARD, D("0"), D("1000"), 40).reasons == ["nothing_due"]


def test_all_reasons_reported_together():
    e = personalised_eligibility(CARD, D("50000"), D("500"), 0, already_on_personalised=True)
    assert e.reasons == ["not_overdue", "already_on_personalised", "budget_too_low_even_60"]


def test_not_offered():
    off = dataclasses.replace(CARD, personalised=dataclasses.replace(CARD.personalised, enabled=False))
    assert personalised_eligibility(off, D("50000"), D("1000"), 40).reasons == ["not_offered"]


def test_loan_has_no_standard_terms_to_compare():
    # 59 months: 30000/59 → 508.48 + 90 = 598.48 (last 598.16); 58 months: 607.25
    e = personalised_eligibility(LOAN, D("30000"), D("600"), 20)
    assert e.eligible and e.suggested_months == 59 and e.monthly_payment == D("598.48")


def test_loan_whose_own_payment_fits_the_budget_needs_no_new_schedule():
    e = personalised_eligibility(LOAN, D("30000"), D("3000"), 20, regular_payment=D("2650"))
    assert e.reasons == ["affordable_regular_payment"] and e.monthly_payment is None
    e = personalised_eligibility(LOAN, D("30000"), D("800"), 20, regular_payment=D("2650"))
    assert e.eligible and e.monthly_payment <= 800


def test_submit_time_estimate_only_for_lengths_the_policy_allows():
    assert personalised_estimate(CARD, D("50000"), 59).monthly_payment == D("997.46")
    for months in (0, 11, 61, 600, "12", None):
        assert personalised_estimate(CARD, D("50000"), months) is None
    assert blocking_reasons(CARD, D("50000"), 0) == ["not_overdue"]
    assert blocking_reasons(CARD, D("50000"), 40, already_on_personalised=True) == ["already_on_personalised"]


def test_suggestion_never_below_min_months():
    e = personalised_eligibility(LOAN, D("3000"), D("2000"), 20)
    assert e.eligible and e.suggested_months == 12
    assert e.monthly_payment == D("259.00")  # 250 + 3000 × 0.30 %


def test_suggested_plan_fits_budget_and_shorter_one_does_not():
    for balance in ("30000", "64000", "120000"):
        for budget in range(400, 5000, 150):
            e = personalised_eligibility(CARD, D(balance), D(budget), 45)
            if e.eligible:
                assert 12 <= e.suggested_months <= 60
                assert e.monthly_payment <= budget
                if e.suggested_months > 12:  # one month shorter would not fit
                    regular, last, _ = flat_fee_schedule(
                        D(balance), e.suggested_months - 1, CARD.personalised.estimated_monthly_fee_rate
                    )
                    assert max(regular, last) > budget
            else:
                assert e.reasons  # never ineligible without saying why
