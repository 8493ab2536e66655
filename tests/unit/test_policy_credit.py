"""征信 impact: status codes per 30-day band, report threshold, retention from repayment."""
import dataclasses
from datetime import date

import pytest

from bot.policy import credit_impact, load_policy
from bot.policy.credit import status_code_for

CARD = load_policy("credit_card")
LOAN = load_policy("consumer_loan")
TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "days, code",
    [
        (0, "N"),
        (1, "N"),  # within the report threshold: paying now keeps the month clean
        (3, "N"),
        (4, "1"),
        (30, "1"),
        (31, "2"),
        (60, "2"),
        (61, "3"),
        (90, "3"),
        (91, "4"),
        (120, "4"),
        (121, "5"),
        (150, "5"),
        (151, "6"),
        (180, "6"),
        (181, "7"),
        (1000, "7"),
    ],
)
def test_status_codes(days, code):
    for policy in (CARD, LOAN):
        assert credit_impact(policy, days, TODAY).status_code == code


@pytest.mark.parametrize("days, code", [(0, "N"), (1, "1"), (30, "1"), (31, "2"), (180, "6"), (181, "7")])
def test_band_code_without_threshold(days, code):
    assert status_code_for(days) == code


@pytest.mark.parametrize(
    "days, reported, until",
    [(0, False, None), (1, False, 3), (2, False, 2), (3, False, 1), (4, True, None), (200, True, None)],
)
def test_reporting_threshold(days, reported, until):
    impact = credit_impact(CARD, days, TODAY)
    assert impact.reported is reported
    assert impact.days_until_reported == until
    assert impact.notice_required is True  # Art. 15
    assert impact.retention_years == 5  # Art. 16


def test_stage_included():
    assert credit_impact(CARD, 2, TODAY).stage.code == "grace"
    assert credit_impact(CARD, 75, TODAY).stage.code == "M3"


def test_retention_counted_from_repayment_day():
    assert credit_impact(CARD, 40, TODAY).retained_until_if_repaid_today == date(2031, 11, 23)
    assert credit_impact(CARD, 40, date(2028, 2, 29)).retained_until_if_repaid_today == date(2033, 2, 28)
    assert credit_impact(CARD, 2, TODAY).retained_until_if_repaid_today is None


def test_threshold_is_a_setting():
    later = dataclasses.replace(CARD, credit_report=dataclasses.replace(CARD.credit_report, report_after_days=0))
    impact = credit_impact(later, 1, TODAY)
    assert impact.reported and impact.status_code == "1"
