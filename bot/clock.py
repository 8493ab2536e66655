"""Today's date for every rule that depends on it (fees, stages, dates the borrower says).

BOT_TODAY=YYYY-MM-DD pins the date (tests, demos). Otherwise it is the borrowers' calendar
day: now in BOT_TIMEZONE (default Asia/Shanghai), not the server's, which may run on UTC.
"""
import logging
import os
from datetime import date, datetime
from datetime import timezone as _utc_zone
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)
DEFAULT_TIMEZONE = "Asia/Shanghai"


def today(timezone: Optional[str] = None) -> date:
    pinned = os.environ.get("BOT_TODAY", "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            logger.warning("BOT_TODAY=%r is not YYYY-MM-DD; using the real date", pinned)
    zone = timezone or os.environ.get("BOT_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        return datetime.now(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown timezone %r; using the server's date", zone)
        return date.today()


def now() -> datetime:
    """The current instant, time-zone aware (UTC): agent hours, ticket times."""
    return datetime.now(_utc_zone.utc)

