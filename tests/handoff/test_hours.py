"""Agent hours (Asia/Shanghai), next opening, priorities and expected wait from settings."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.handoff import hours
from bot.handoff.hours import SettingsError, parse_settings

SH = ZoneInfo("Asia/Shanghai")


def sh(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def settings():
    return parse_settings({
        "timezone": "Asia/Shanghai",
        "hours": {d: ["08:00", "22:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": ["09:00", "18:00"], "sun": None},
        "closed_dates": ["2026-11-25"],
        "average_minutes_per_ticket": 5,
        "agents_on_duty": 2,
        "priorities": {"crisis": "urgent", "distress": "high"},
    })


def test_inside_and_outside_hours(settings):
    assert hours.is_open(sh(2026, 11, 23, 8, 0), settings)  # Monday, opening minute
    assert hours.is_open(sh(2026, 11, 23, 21, 59), settings)
    assert not hours.is_open(sh(2026, 11, 23, 22, 0), settings)  # closing time is closed
    assert not hours.is_open(sh(2026, 11, 23, 7, 59), settings)
    assert not hours.is_open(sh(2026, 11, 29, 12, 0), settings)  # Sunday
    assert not hours.is_open(sh(2026, 11, 25, 12, 0), settings)  # closed date (Wednesday)
    assert hours.is_open(sh(2026, 11, 28, 17, 0), settings)  # Saturday hours
    assert not hours.is_open(sh(2026, 11, 28, 18, 30), settings)


def test_hours_are_in_the_settings_time_zone(settings):
    # 01:30 UTC is 09:30 in Shanghai: open, though the server clock says night.
    assert hours.is_open(datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc), settings)
    assert hours.is_open(datetime(2026, 11, 23, 1, 30), settings)  # naive = UTC
    assert not hours.is_open(datetime(2026, 11, 23, 14, 30, tzinfo=timezone.utc), settings)


def test_next_opening(settings):
    now = sh(2026, 11, 23, 10, 0)
    assert hours.next_opening(now, settings) == now  # open now
    assert hours.next_opening(sh(2026, 11, 23, 6, 0), settings) == sh(2026, 11, 23, 8, 0)
    assert hours.next_opening(sh(2026, 11, 23, 23, 0), settings) == sh(2026, 11, 24, 8, 0)
    # Tuesday night -> Wednesday is a closed date -> Thursday 08:00
    assert hours.next_opening(sh(2026, 11, 24, 22, 0), settings) == sh(2026, 11, 26, 8, 0)
    # Saturday evening -> Sunday closed -> Monday 08:00
    opening = hours.next_opening(sh(2026, 11, 28, 19, 0), settings)
    assert opening == sh(2026, 11, 30, 8, 0) and opening.tzinfo == SH
    assert hours.next_opening(datetime(2026, 11, 28, 11, 0, tzinfo=timezone.utc), settings) \
        == sh(2026, 11, 30, 8, 0)


def test_midnight_close_and_never_open():
    all_day = parse_settings({"hours": {"mon": ["00:00", "24:00"]}})
    assert hours.is_open(sh(2026, 11, 23, 23, 59), all_day)
    assert not hours.is_open(sh(2026, 11, 24, 0, 0), all_day)
    assert hours.next_opening(sh(2026, 11, 24, 0, 0), all_day) == sh(2026, 11, 30, 0, 0)
    never = parse_settings({"hours": {}})
    assert hours.next_opening(sh(2026, 11, 24, 0, 0), never) is None


@pytest.mark.parametrize("bad", [
    {"hours": {"monday": ["08:00", "22:00"]}},
    {"hours": {"mon": ["22:00", "08:00"]}},
    {"hours": {"mon": ["8am", "22:00"]}},
    {"hours": {"mon": ["08:00"]}},
    {"priorities": {"crisis": "asap"}},
    {"priorities": {"weather": "high"}},
    {"agents_on_duty": 0},
])
def test_bad_settings_are_refused(bad):
    with pytest.raises(SettingsError):
        parse_settings(bad)


def test_priorities_and_expected_wait(settings):
    assert hours.priority_for("crisis", settings) == "urgent"
    assert hours.priority_for("distress", settings) == "high"
    assert hours.priority_for("fallback", settings) == "normal"  # default
    assert [hours.expected_wait_minutes(p, settings) for p in (0, 1, 2, 3)] == [0, 3, 5, 8]


def test_shipped_settings_file():
    shipped = hours.load_settings()
    assert shipped.timezone.key == "Asia/Shanghai"
    assert hours.priority_for("crisis") == "urgent"
    assert hours.is_open(sh(2026, 11, 23, 10, 0)) and not hours.is_open(sh(2026, 11, 23, 3, 0))
    assert set(shipped.priorities) == set(hours.CATEGORIES)
