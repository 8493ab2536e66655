"""days_overdue (grace, tolerance) and stage_for boundaries."""
import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from bot.policy import days_overdue, load_policy, stage_for

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")
DUE = date(2026, 10, 25)


def test_not_late_is_zero():
    assert days_overdue(DUE, DUE, D("1000"), CARD) == 0
    assert days_overdue(DUE, DUE - timedelta(days=5), D("1000"), CARD) == 0


def test_counts_calendar_days():
    assert days_overdue(DUE, DUE + timedelta(days=1), D("1000"), CARD) == 1
    assert days_overdue(DUE, date(2026, 11, 23), D("1000"), CARD) == 29
    assert days_overdue(date(2026, 1, 31), date(2026, 3, 1), D("1000"), CARD) == 29


def test_card_tolerance_is_inclusive():
    late = DUE + timedelta(days=100)
    assert days_overdue(DUE, late, D("10"), CARD) == 0
    assert days_overdue(DUE, late, D("9.99"), CARD) == 0
    assert days_overdue(DUE, late, D("10.01"), CARD) == 100
    assert days_overdue(DUE, late, 0, CARD) == 0


def test_loan_has_no_tolerance():
    late = DUE + timedelta(days=5)
    assert days_overdue(DUE, late, D("0.01"), LOAN) == 5
    assert days_overdue(DUE, late, D("0"), LOAN) == 0


def test_accepts_int_and_str_amounts():
    late = DUE + timedelta(days=5)
    assert days_overdue(DUE, late, 500, CARD) == 5
    assert days_overdue(DUE, late, "500.00", CARD) == 5


@pytest.mark.parametrize(
    "days, code, label",
    [
        (0, "current", "未逾期"),
        (1, "grace", "宽限期内"),
        (3, "grace", "宽限期内"),
        (4, "M1", "逾期M1"),
        (30, "M1", "逾期M1"),
        (31, "M2", "逾期M2"),
        (60, "M2", "逾期M2"),
        (61, "M3", "逾期M3"),
        (90, "M3", "逾期M3"),
        (91, "M3+", "逾期M3+"),
        (180, "M3+", "逾期M3+"),
        (181, "M3+", "逾期M3+"),
        (5000, "M3+", "逾期M3+"),
    ],
)
def test_stage_boundaries(days, code, label):
    for policy in (CARD, LOAN):
        stage = stage_for(days, policy)
        assert (stage.code, stage.label) == (code, label)
        assert stage.min_days <= days
        assert stage.max_days is None or days <= stage.max_days


def test_stage_ranges_cover_every_day_without_gaps():
    previous = stage_for(0, CARD)
    for days in range(1, 400):
        stage = stage_for(days, CARD)
        if stage.code != previous.code:
            assert previous.max_days == days - 1
            assert stage.min_days == days
        previous = stage
    assert previous.code == "M3+" and previous.max_days is None


def test_grace_days_come_from_the_policy():
    no_grace = dataclasses.replace(CARD, grace_days=0)
    assert stage_for(1, no_grace).code == "M1"
    assert stage_for(1, no_grace).min_days == 1
    long_grace = dataclasses.replace(CARD, grace_days=5)
    assert stage_for(5, long_grace).code == "grace"
    assert stage_for(6, long_grace).code == "M1"


def test_negative_days_rejected():
    with pytest.raises(ValueError):
        stage_for(-1, CARD)
