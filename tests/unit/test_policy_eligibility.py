"""个性化分期 application checks: reasons, suggested length, payment estimate."""
import dataclasses
from decimal import Decimal as D

from bot.policy import load_policy, personalised_eligibility
from bot.policy.installments import flat_fee_schedule

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")


def test_eligible_with_shortest_affordable_length():
    e = personalised_eligibility(CARD, D("50000"), D("1000"), 40)
    assert e.eligible and e.reasons == []
    assert e.max_months == 60
    # 59 months: 50000/59 → 847.45 + fee 150 = 997.45 (first 997.90 ≤ 1000);
    # 58 months: 862.06 + 150 = 1012.06 > 1000
    assert e.suggested_months == 59
    assert e.monthly_payment == D("997.45")


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
    assert e.monthly_payment == D("983.33")  # what 60 months would need: 833.33 + 150


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
    # 59 months: 30000/59 → 508.47 + 90 = 598.47 (first 598.74); 58 months: 607.24
    e = personalised_eligibility(LOAN, D("30000"), D("600"), 20)
    assert e.eligible and e.suggested_months == 59 and e.monthly_payment == D("598.47")


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
                    first, regular, _ = flat_fee_schedule(
                        D(balance), e.suggested_months - 1, CARD.personalised.estimated_monthly_fee_rate
                    )
                    assert max(first, regular) > budget
            else:
                assert e.reasons  # never ineligible without saying why
