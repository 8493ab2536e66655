"""Today's date for every rule that depends on it.

BOT_TODAY=YYYY-MM-DD pins the date (tests, demos); otherwise the server's local date.
"""
import os
from datetime import date


def today() -> date:
    pinned = os.environ.get("BOT_TODAY", "").strip()
    return date.fromisoformat(pinned) if pinned else date.today()
