"""延期还款: conditions (days overdue, once per 12 months, something due) and cost."""
import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from bot.policy import extension_options, load_policy

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")
TODAY = date(2026, 11, 23)


def ext(policy=CARD, days=10, unpaid="500", balance="10000", last=None, today=TODAY, **kw):
    return extension_options(policy, days, D(unpaid), D(balance), last, today, **kw)


def test_card_options_and_cost():
    r = ext()
    assert r.eligible and r.reason == "ok" and r.available_from is None
    assert [o.days for o in r.options] == [7, 15, 30]
    assert [o.new_due_date for o in r.options] == [date(2026, 11, 30), date(2026, 12, 8), date(2026, 12, 23)]
    assert [o.fee for o in r.options] == [D("0.00")] * 3
    # interest continues on the whole balance: 10000 × 0.05 % = 5.00 a day
    assert [o.interest_during for o in r.options] == [D("35.00"), D("75.00"), D("150.00")]
    assert r.options[2].total_cost == D("150.00")


@pytest.mark.parametrize("days, ok", [(1, True), (29, True), (30, True), (31, False), (90, False)])
def test_only_while_at_most_30_days_overdue(days, ok):
    r = ext(days=days)
    assert r.eligible is ok
    assert r.reason == ("ok" if ok else "too_far_overdue")
    assert (r.options != []) is ok


def test_never_offered_before_the_account_is_overdue():
    r = ext(days=0, due_date=date(2026, 11, 30))
    assert not r.eligible and r.reason == "not_overdue" and r.options == []


def test_once_per_twelve_months():
    r = ext(last=date(2025, 11, 24))
    assert not r.eligible and r.reason == "used_recently"
    assert r.available_from == date(2026, 11, 24) and r.options == []
    assert ext(last=date(2025, 11, 23)).eligible  # exactly 12 months ago
    assert ext(last=date(2024, 1, 1)).eligible
    assert ext(last=TODAY).reason == "used_recently"


def test_month_end_cooldown():
    r = ext(last=date(2025, 1, 31), today=date(2026, 1, 30))
    assert r.reason == "used_recently" and r.available_from == date(2026, 1, 31)


def test_nothing_due():
    assert ext(unpaid="10").reason == "nothing_due"  # within the card's ¥10 tolerance
    assert ext(policy=LOAN, unpaid="0").reason == "nothing_due"
    assert ext(policy=LOAN, unpaid="0.01").eligible


def test_not_offered():
    off = dataclasses.replace(CARD, extension=dataclasses.replace(CARD.extension, enabled=False))
    assert ext(policy=off).reason == "not_offered"


def test_fee_rate_with_minimum():
    paid = dataclasses.replace(
        CARD, extension=dataclasses.replace(CARD.extension, fee_rate=D("0.01"), fee_min=D("20"))
    )
    assert ext(policy=paid, unpaid="500").options[0].fee == D("20.00")
    assert ext(policy=paid, unpaid="5000").options[0].fee == D("50.00")
    assert ext(policy=paid, unpaid="5000").options[0].total_cost == D("85.00")


def test_interest_can_stop():
    free = dataclasses.replace(CARD, extension=dataclasses.replace(CARD.extension, interest_continues=False))
    assert all(o.interest_during == 0 for o in ext(policy=free).options)


def test_loan_interest_only_on_overdue_instalment():
    r = ext(policy=LOAN, unpaid="2000", balance="30000")
    assert [o.interest_during for o in r.options] == [D("7.00"), D("15.00"), D("30.00")]


def test_new_due_date_counts_from_today_when_late():
    late = ext(days=5, due_date=date(2026, 11, 18))
    assert late.options[0].new_due_date == date(2026, 11, 30)


def test_conditions_come_from_the_policy():
    custom = dataclasses.replace(
        CARD,
        extension=dataclasses.replace(CARD.extension, days=(10,), max_days_overdue=15, once_per_months=6),
    )
    assert [o.days for o in ext(policy=custom).options] == [10]
    assert ext(policy=custom, days=16).reason == "too_far_overdue"
    assert ext(policy=custom, last=date(2026, 5, 23)).eligible
    assert ext(policy=custom, last=date(2026, 5, 24)).reason == "used_recently"


def test_longer_extension_never_cheaper():
    for balance in ("100", "999.99", "10000", "87654.32"):
        costs = [o.total_cost for o in ext(balance=balance).options]
        assert costs == sorted(costs)
