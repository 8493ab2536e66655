"""Faults: a hung action server never leaves a borrower without an answer, and the
conversation goes on when it is back (issue: scale-out, speed and faults)."""
import os
import signal
import time
from datetime import date
from pathlib import Path

import pytest
import requests

from bot.devstack import running_stack
from bot.identity import issue_token

pytestmark = pytest.mark.conversation

ALWAYS_OPEN = str(Path(__file__).resolve().parents[1] / "data" / "handoff_always_open.yml")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("faults"), date(2026, 11, 23),
                       extra_env={"BOT_HANDOFF_SETTINGS": ALWAYS_OPEN, "TURN_REPLY_SECONDS": "3",
                                  "ACTION_TIMEOUT_SECONDS": "6"}) as running:
        yield running


def say(stack, sender, text, token):
    started = time.monotonic()
    response = requests.post(stack["rasa"] + "/webhooks/rest/webhook", timeout=60, json={
        "sender": sender, "message": text, "metadata": {"token": token}})
    assert response.status_code == 200
    return "\n".join(m.get("text") or "" for m in response.json()), time.monotonic() - started


def test_a_hung_action_server_gets_a_sentence_in_seconds_and_the_chat_goes_on(stack):
    token, sender = issue_token("demo-m1"), "faults-1"
    os.kill(stack["pids"]["actions"], signal.SIGSTOP)
    try:
        answer, seconds = say(stack, sender, "查一下我欠多少钱", token)
        assert seconds < 5 and "有点慢" in answer and "人工" in answer
        time.sleep(7)  # the hung call times out and frees the conversation
    finally:
        os.kill(stack["pids"]["actions"], signal.SIGCONT)
    answer, _ = say(stack, sender, "查一下我欠多少钱", token)
    assert "星河银行信用卡" in answer
