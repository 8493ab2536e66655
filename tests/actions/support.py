"""Actions run for real: a fresh SQLite database with the demo borrowers, real tokens, a
pinned date, and rasa-sdk's own Tracker and dispatcher."""
import asyncio
from datetime import date
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.identity import issue_token
from bot.storage import db
from bot.storage.db import session_scope
from bot.storage.demo import seed_demo

TODAY = date(2026, 11, 23)
DATA = Path(__file__).resolve().parents[1] / "data"
HANDOFF_OPEN = DATA / "handoff_always_open.yml"
HANDOFF_CLOSED = DATA / "handoff_always_closed.yml"


@pytest.fixture
def bank(tmp_path, monkeypatch):
    """The database URL the actions will use (via DATABASE_URL), seeded for TODAY."""
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BOT_TODAY", TODAY.isoformat())
    monkeypatch.setenv("BOT_TOKEN_SECRET", "test-secret-for-action-tests-0123456789")
    monkeypatch.setenv("BOT_HANDOFF_SETTINGS", str(HANDOFF_OPEN))
    db.upgrade_to_head(url)
    with session_scope(url) as session:
        seed_demo(session, TODAY)
    yield url
    db.dispose_engine(url)


def token_for(borrower_id: str, ttl: int = 600) -> str:
    return issue_token(borrower_id, ttl_seconds=ttl)


def make_tracker(text="", intent="inform", entities=(), token=None, slots=None, events=None,
                 sender="conv-1", confidence=0.99) -> Tracker:
    metadata = {"token": token} if token else {}
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "entities": list(entities), "metadata": metadata}
    return Tracker(sender, dict(slots or {}), latest, list(events or []), False, None, None, None)


def run(action, tracker: Tracker):
    """Returns (messages, events) as the action server would send them."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def responses(messages):
    return [m.get("response") for m in messages]


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
