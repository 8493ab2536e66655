"""违约金 and overdue interest: floor, cap, cycles, grace, tolerance, compounding; waiting cost.

Hand-checked reference: card balance ¥10,000, unpaid minimum ¥1,000, statement 2026-10-05,
due 2026-10-25, 0.05 %/day = ¥5/day on ¥10,000, i.e. ¥150 per 30-day posting.
"""
import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from bot.policy import (
    OVERDUE_INTEREST,
    PENALTY,
    Charges,
    accrued_charges,
    cost_of_waiting,
    load_policy,
)
from bot.policy.charges import penalty_for

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")
STATEMENT = date(2026, 10, 5)
DUE = date(2026, 10, 25)


def card(today, balance="10000", unpaid="1000", policy=CARD) -> Charges:
    return accrued_charges(policy, D(balance), D(unpaid), DUE, STATEMENT, today)


def day(n: int) -> date:
    return DUE + timedelta(days=n)


# ---------------------------------------------------------------- penalty


@pytest.mark.parametrize(
    "unpaid, expected",
    [
        ("1000", "50.00"),  # 5 %
        ("200", "10.00"),  # exactly the floor
        ("100", "10.00"),  # 5.00 → floor 10
        ("10.01", "10.00"),  # just above the tolerance: still the floor
        ("333.33", "16.67"),  # 16.6665 rounds half up
        ("10000", "500.00"),  # exactly the cap
        ("20000", "500.00"),  # 1000 → cap 500
    ],
)
def test_penalty_rate_floor_cap(unpaid, expected):
    total, per_cycle, cycles = penalty_for(CARD.penalty, D(unpaid), 10)
    assert (total, per_cycle, cycles) == (D(expected), D(expected), 1)


@pytest.mark.parametrize("days, cycles", [(1, 1), (4, 1), (30, 1), (31, 2), (60, 2), (61, 3), (181, 7)])
def test_penalty_once_per_started_cycle(days, cycles):
    total, per_cycle, n = penalty_for(CARD.penalty, D("1000"), days)
    assert n == cycles
    assert total == D("50.00") * cycles


def test_no_cap_when_null():
    uncapped = dataclasses.replace(CARD.penalty, cap=None)
    assert penalty_for(uncapped, D("20000"), 5)[0] == D("1000.00")


def test_loan_has_no_penalty_fee():
    assert penalty_for(LOAN.penalty, D("2000"), 45)[0] == 0


# ---------------------------------------------------------------- grace / tolerance


def test_nothing_before_due_or_on_due_date():
    for n in (-10, 0):
        c = card(day(n))
        assert (c.penalty, c.interest, c.total_extra, c.days_overdue, c.lines) == (0, 0, 0, 0, [])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_grace_days_free(n):
    c = card(day(n))
    assert c.total_extra == 0 and c.lines == []
    assert c.days_overdue == n  # still reported as late, just free


def test_day_after_grace_charges_back_to_statement_date():
    c = card(day(4))  # 2026-10-29: 24 days since the statement
    assert c.days_overdue == 4
    assert c.penalty == D("50.00")
    assert c.interest == D("120.00")  # 10000 × 0.0005 × 24
    assert c.total_extra == D("170.00")
    assert [line.name_key for line in c.lines] == [PENALTY, OVERDUE_INTEREST]
    interest_line = c.lines[1]
    assert interest_line.basis["days"] == 24
    assert interest_line.basis["from"] == STATEMENT


def test_grace_not_free_when_policy_says_so():
    strict = dataclasses.replace(CARD, grace_waives_charges=False)
    c = card(day(1), policy=strict)
    assert c.penalty == D("50.00")
    assert c.interest == D("105.00")  # 21 days


def test_tolerance_means_no_charges_at_all():
    c = card(day(100), unpaid="10")
    assert c.days_overdue == 0 and c.total_extra == 0
    assert card(day(100), unpaid="10.01").total_extra > 0


# ---------------------------------------------------------------- interest


def test_interest_compounds_every_30_days_on_interest_only():
    # 60 days since the statement: 150 + 10150 × 0.015 = 150 + 152.25
    assert card(STATEMENT + timedelta(days=60)).interest == D("302.25")
    # 90 days: + 10302.25 × 0.015 = 154.53375 → 154.53
    assert card(STATEMENT + timedelta(days=90)).interest == D("456.78")
    # 49 days: 150 + 10150 × 0.0005 × 19 = 150 + 96.425 → 96.43
    assert card(STATEMENT + timedelta(days=49)).interest == D("246.43")


def test_compounding_beats_simple_interest_and_zero_period_is_simple():
    simple = dataclasses.replace(CARD, interest=dataclasses.replace(CARD.interest, compound_every_days=0))
    today = STATEMENT + timedelta(days=90)
    assert card(today, policy=simple).interest == D("450.00")
    assert card(today).interest > D("450.00")


def test_penalty_never_bears_interest():
    """Interest is the same whatever the penalty is (银发〔2016〕111号)."""
    no_penalty = dataclasses.replace(CARD, penalty=dataclasses.replace(CARD.penalty, rate=D("0")))
    huge_penalty = dataclasses.replace(
        CARD, penalty=dataclasses.replace(CARD.penalty, rate=D("0.5"), cap=None)
    )
    for n in (4, 31, 95, 200):
        base = card(day(n)).interest
        assert card(day(n), policy=no_penalty).interest == base
        assert card(day(n), policy=huge_penalty).interest == base
        assert card(day(n), policy=no_penalty).penalty == 0


def test_total_is_sum_of_lines():
    for n in range(0, 200, 7):
        c = card(day(n))
        assert c.total_extra == c.penalty + c.interest
        assert sum((line.amount for line in c.lines), D("0")) == c.total_extra
        assert all(line.amount > 0 for line in c.lines)


def test_card_without_statement_date_falls_back_to_due_date():
    c = accrued_charges(CARD, D("10000"), D("1000"), DUE, None, day(10))
    assert c.interest == D("50.00")


def test_loan_penalty_interest_on_overdue_instalment_from_due_date():
    due, unpaid = date(2026, 10, 10), D("2000")
    c = accrued_charges(LOAN, D("30000"), unpaid, due, None, due + timedelta(days=10))
    assert c.penalty == 0
    assert c.interest == D("10.00")  # 2000 × 0.0005 × 10
    assert [line.name_key for line in c.lines] == [OVERDUE_INTEREST]
    assert accrued_charges(LOAN, D("30000"), unpaid, due, None, due + timedelta(days=3)).total_extra == 0
    # 40 days: 30 days → 30.00, then 2030 × 0.0005 × 10 = 10.15
    assert accrued_charges(LOAN, D("30000"), unpaid, due, None, due + timedelta(days=40)).interest == D("40.15")


# ---------------------------------------------------------------- cost of waiting


def test_cost_of_waiting_hand_checked():
    rows = cost_of_waiting(CARD, D("10000"), D("1000"), DUE, STATEMENT, DUE)
    assert [r.delay_days for r in rows] == [0, 7, 30]
    assert [r.pay_on for r in rows] == [DUE, day(7), day(30)]
    assert rows[0].total_extra == 0
    assert rows[1].total_extra == D("185.00")  # 50 + 27 days × 5
    assert rows[2].total_extra == D("301.50")  # 50 + 150 + 10150 × 0.0005 × 20
    assert [r.increase_vs_today for r in rows] == [D("0.00"), D("185.00"), D("301.50")]


def test_cost_of_waiting_relative_to_today_when_already_late():
    rows = cost_of_waiting(CARD, D("10000"), D("1000"), DUE, STATEMENT, day(4), delays=(7, 0))
    assert [r.delay_days for r in rows] == [7, 0]  # order kept
    assert rows[1].total_extra == D("170.00") and rows[1].increase_vs_today == 0
    assert rows[0].increase_vs_today == rows[0].total_extra - D("170.00")


@pytest.mark.parametrize("policy", [CARD, LOAN])
@pytest.mark.parametrize("start", [-20, 0, 2, 3, 29, 85, 200])
def test_cost_of_waiting_is_monotonic(policy, start):
    delays = range(0, 400, 3)
    rows = cost_of_waiting(policy, D("8888.88"), D("777.77"), DUE, STATEMENT, day(start), delays)
    totals = [r.total_extra for r in rows]
    assert totals == sorted(totals)
    assert all(r.increase_vs_today >= 0 for r in rows)
    assert totals[-1] > 0


def test_negative_delay_rejected():
    with pytest.raises(ValueError):
        cost_of_waiting(CARD, D("1"), D("100"), DUE, STATEMENT, DUE, delays=(-1,))


def test_annual_rate_is_computed_with_the_policys_compounding():
    from bot.policy import annual_rate

    card = load_policy("credit_card").interest  # 0.05 %/day, compounded every 30 days
    assert annual_rate(card) == D("0.1986")  # ≈ 19.9 %, not the simple 18.25 %
    simple = dataclasses.replace(card, compound_every_days=0)
    assert annual_rate(simple) == D("0.1825")
