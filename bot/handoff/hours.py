"""Agent working hours, expected wait, priorities and sign-in throttling, from
bot/handoff/settings.yml."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

SETTINGS_PATH = Path(__file__).resolve().parent / "settings.yml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITIES = ("urgent", "high", "normal")  # most urgent first
CATEGORIES = ("crisis", "possible_crisis", "distress", "human", "dispute", "complaint",
              "fee_waiver", "fallback", "scam")

Window = Tuple[time, Optional[time]]  # close None = midnight at the end of the day


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class SignInSettings:
    """Agent sign-in throttling (bot.handoff.throttle), the `sign_in:` section."""
    free_failures: int = 5            # failed sign-ins allowed in the window before a lockout
    first_lockout_seconds: int = 30   # doubled at each further lockout ...
    max_lockout_seconds: int = 900    # ... up to this
    window_seconds: int = 900         # sliding window; also the quiet time that ends a streak
    trusted_proxies: int = 0          # reverse proxies in front whose X-Forwarded-For is trusted


_SIGN_IN_INTS = {"free_failures": 1, "first_lockout_seconds": 1, "max_lockout_seconds": 1,
                 "window_seconds": 1, "trusted_proxies": 0}  # name -> minimum


def parse_sign_in(raw) -> SignInSettings:
    if raw is None:
        return SignInSettings()
    if not isinstance(raw, dict):
        raise SettingsError("sign_in: expected a mapping")
    values = {}
    for key, value in raw.items():
        if key not in _SIGN_IN_INTS:
            raise SettingsError(f"sign_in: unknown setting {key!r} "
                                f"(use {', '.join(_SIGN_IN_INTS)})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < _SIGN_IN_INTS[key]:
            raise SettingsError(f"sign_in.{key}: expected a whole number >= {_SIGN_IN_INTS[key]}")
        values[key] = value
    settings = SignInSettings(**values)
    if settings.max_lockout_seconds < settings.first_lockout_seconds:
        raise SettingsError("sign_in: max_lockout_seconds must be >= first_lockout_seconds")
    return settings


@dataclass(frozen=True)
class HandoffSettings:
    timezone: ZoneInfo
    hours: Dict[int, Window]  # weekday (Monday 0) -> (open, close); missing = closed
    closed_dates: FrozenSet[date]
    average_minutes_per_ticket: float
    agents_on_duty: int
    priorities: Dict[str, str]
    sign_in: SignInSettings = field(default_factory=SignInSettings)


def _clock(text, where: str) -> Optional[time]:
    text = str(text).strip()
    if text == "24:00":
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"{where}: not HH:MM: {text!r}") from None


def parse_settings(raw: dict) -> HandoffSettings:
    hours: Dict[int, Window] = {}
    for day, value in (raw.get("hours") or {}).items():
        if day not in WEEKDAYS:
            raise SettingsError(f"hours: unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
        if value is None:
            continue
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise SettingsError(f"hours.{day}: expected [open, close]")
        opens, closes = _clock(value[0], f"hours.{day}"), _clock(value[1], f"hours.{day}")
        if opens is None or (closes is not None and closes <= opens):
            raise SettingsError(f"hours.{day}: must open before it closes (same day)")
        hours[WEEKDAYS.index(day)] = (opens, closes)

    priorities = dict(raw.get("priorities") or {})
    for category in CATEGORIES:
        priorities.setdefault(category, "normal")
    for category, priority in priorities.items():
        if category not in CATEGORIES or priority not in PRIORITIES:
            raise SettingsError(f"priorities: bad entry {category!r}: {priority!r}")

    average = float(raw.get("average_minutes_per_ticket", 6))
    agents = int(raw.get("agents_on_duty", 1))
    if average <= 0 or agents <= 0:
        raise SettingsError("average_minutes_per_ticket and agents_on_duty must be positive")
    return HandoffSettings(
        timezone=ZoneInfo(str(raw.get("timezone", "Asia/Shanghai"))),
        hours=hours,
        closed_dates=frozenset(date.fromisoformat(str(d)) for d in raw.get("closed_dates") or ()),
        average_minutes_per_ticket=average,
        agents_on_duty=agents,
        priorities=priorities,
        sign_in=parse_sign_in(raw.get("sign_in")),
    )


@lru_cache(maxsize=8)
def _load(path: str) -> HandoffSettings:
    with open(path, encoding="utf-8") as fh:
        return parse_settings(yaml.safe_load(fh) or {})


def load_settings(path=None) -> HandoffSettings:
    """settings.yml beside this file, or the file named by BOT_HANDOFF_SETTINGS (tests and
    deployments that keep their own hours)."""
    return _load(str(path or os.environ.get("BOT_HANDOFF_SETTINGS") or SETTINGS_PATH))


def priority_for(category: str, settings: Optional[HandoffSettings] = None) -> str:
    return (settings or load_settings()).priorities.get(category, "normal")


def _local(now: datetime, settings: HandoffSettings) -> datetime:
    if now.tzinfo is None:  # naive datetimes are taken as UTC, like bot.identity
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(settings.timezone)


def _window(day: date, settings: HandoffSettings) -> Optional[Tuple[datetime, datetime]]:
    """The opening window of one local calendar day, or None when closed all day."""
    if day in settings.closed_dates or day.weekday() not in settings.hours:
        return None
    opens, closes = settings.hours[day.weekday()]
    start = datetime.combine(day, opens, tzinfo=settings.timezone)
    if closes is None:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.timezone)
    else:
        end = datetime.combine(day, closes, tzinfo=settings.timezone)
    return start, end


def is_open(now: datetime, settings: Optional[HandoffSettings] = None) -> bool:
    settings = settings or load_settings()
    local = _local(now, settings)
    window = _window(local.date(), settings)
    return window is not None and window[0] <= local < window[1]


def next_opening(now: datetime, settings: Optional[HandoffSettings] = None) -> Optional[datetime]:
    """When agents are next at work, in the settings' time zone: `now` itself while open,
    None when no day in the next year has hours (misconfigured)."""
    settings = settings or load_settings()
    local = _local(now, settings)
    for offset in range(367):
        window = _window(local.date() + timedelta(days=offset), settings)
        if window is None:
            continue
        start, end = window
        if local < start:
            return start
        if local < end:
            return local
    return None


def expected_wait_minutes(place: int, settings: Optional[HandoffSettings] = None) -> int:
    """Minutes until a person answers the ticket at `place` (1 = next), agents working in
    parallel. 0 when the ticket is not waiting. Opening hours are not added: callers tell
    the borrower next_opening() instead of a long number."""
    if place <= 0:
        return 0
    settings = settings or load_settings()
    return math.ceil(place * settings.average_minutes_per_ticket / settings.agents_on_duty)
