import os
import uuid
from datetime import date

import pytest
import requests

from bot.devstack import running_stack

TODAY = date(2026, 11, 23)
# Agents on duty whatever the hour the suite runs at.
ALWAYS_OPEN = os.path.join(os.path.dirname(__file__), "..", "data", "handoff_always_open.yml")
ALWAYS_CLOSED = os.path.join(os.path.dirname(__file__), "..", "data", "handoff_never_open.yml")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("stack"), TODAY,
                       extra_env={"BOT_HANDOFF_SETTINGS": ALWAYS_OPEN}) as running:
        yield running


class Chat:
    """One borrower's conversation through the REST channel, as the app would send it."""

    def __init__(self, stack, token=None, sender=None):
        self.url = stack["rasa"] + "/webhooks/rest/webhook"
        self.token = token
        self.sender = sender or f"test-{uuid.uuid4().hex[:10]}"

    def say(self, text):
        body = {"sender": self.sender, "message": text}
        if self.token:
            body["metadata"] = {"token": self.token}
        response = requests.post(self.url, json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def text(self, text):
        return "\n".join(m.get("text") or "" for m in self.say(text))


@pytest.fixture
def chat(stack):
    return lambda **kw: Chat(stack, **kw)


@pytest.fixture(scope="session")
def closed_stack(tmp_path_factory):
    """The stack outside agent hours."""
    with running_stack(tmp_path_factory.mktemp("closed"), TODAY,
                       extra_env={"BOT_HANDOFF_SETTINGS": ALWAYS_CLOSED}) as running:
        yield running


@pytest.fixture
def chat_closed(closed_stack):
    return lambda **kw: Chat(closed_stack, **kw)
