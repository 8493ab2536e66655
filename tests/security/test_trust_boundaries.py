"""Trust boundaries through the real servers (issue: trust boundaries): the attacks that
used to work must fail."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.devstack import ROOT, free_port, running_stack, trained_model
from bot.identity import TokenError, issue_token, verify_token
from bot.storage.db import session_scope
from bot.storage.models import Ticket

pytestmark = pytest.mark.conversation

TODAY = "2026-11-23"
ALWAYS_OPEN = str(Path(__file__).resolve().parents[1] / "data" / "handoff_always_open.yml")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from datetime import date

    with running_stack(tmp_path_factory.mktemp("trust"), date.fromisoformat(TODAY),
                       extra_env={"BOT_HANDOFF_SETTINGS": ALWAYS_OPEN}) as running:
        yield running


def post(stack, sender, text, token=None):
    body = {"sender": sender, "message": text}
    if token:
        body["metadata"] = {"token": token}
    return requests.post(stack["rasa"] + "/webhooks/rest/webhook", json=body, timeout=60)


def tickets(stack, conversation_id):
    with session_scope(stack["env"]["DATABASE_URL"]) as session:
        return list(session.execute(
            select(Ticket).where(Ticket.conversation_id == conversation_id)).scalars())


# ---- the action server ---------------------------------------------------------------------
def test_the_action_server_answers_only_our_rasa_server(stack):
    url = stack["env"]["ACTION_ENDPOINT_URL"]
    call = {"next_action": "action_check_debt", "sender_id": "x", "version": "3.6.2",
            "tracker": {"sender_id": "x", "slots": {}, "latest_message": {
                "text": "查欠款", "metadata": {"token": issue_token("demo-m1")}}, "events": []},
            "domain": {}}
    assert requests.post(url, json=call, timeout=10).status_code == 403
    assert requests.post(url, json=call, headers={"X-Action-Secret": "guess"},
                         timeout=10).status_code == 403
    assert requests.get(url.replace("/webhook", "/health"), timeout=10).status_code == 200


def test_the_action_server_listens_on_loopback_only(stack):
    port = stack["env"]["ACTION_ENDPOINT_URL"].rsplit(":", 1)[1].split("/")[0]
    listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                               text=True).stdout
    if not listening.strip():
        pytest.skip("ss cannot list listening sockets here")
    assert "127.0.0.1:" + port in listening and "0.0.0.0:" + port not in listening


# ---- one conversation, one borrower -----------------------------------------------------------
def test_the_socket_namespace_is_refused_over_rest(stack):
    for token in (None, issue_token("demo-m1")):
        response = post(stack, "b:demo-m1", "我要转人工", token)
        assert response.status_code == 403
    assert not tickets(stack, "b:demo-m1")


def test_another_borrower_cannot_write_into_a_conversation(stack):
    sender = f"phone-{uuid.uuid4().hex[:8]}"
    assert post(stack, sender, "查一下我欠多少钱", issue_token("demo-m1")).status_code == 200
    stranger = post(stack, sender, "我要转人工", issue_token("demo-multi"))
    assert stranger.status_code == 403 and "星河" not in stranger.json()["message"]
    guest = post(stack, sender, "我要转人工")
    assert guest.status_code == 403
    assert not tickets(stack, sender)
    assert post(stack, sender, "谢谢", issue_token("demo-m1")).status_code == 200


# ---- slash payloads ----------------------------------------------------------------------------
def test_a_typed_slash_command_is_read_as_words(stack):
    sender = f"slash-{uuid.uuid4().hex[:8]}"
    response = post(stack, sender, "/crisis", issue_token("demo-m1"))
    assert response.status_code == 200
    assert not [t for t in tickets(stack, sender) if t.category == "crisis"]
    assert "12356" not in response.text
    injected = post(stack, sender, '/inform{"amount": 1}', issue_token("demo-m1"))
    assert injected.status_code == 200 and "推荐" not in injected.text


def test_a_button_the_assistant_offered_still_works(stack):
    sender = f"button-{uuid.uuid4().hex[:8]}"
    offered = post(stack, sender, "你好", issue_token("demo-m1")).json()
    payloads = [b["payload"] for m in offered for b in m.get("buttons") or []]
    assert "/check_debt" in payloads
    answer = "".join(m.get("text") or "" for m in
                     post(stack, sender, "/check_debt", issue_token("demo-m1")).json())
    assert "星河银行信用卡" in answer


# ---- nothing replayable at rest ----------------------------------------------------------------
def test_the_tracker_store_keeps_no_borrower_token(stack):
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    token = issue_token("demo-m1")
    assert post(stack, sender, "查一下我欠多少钱", token).status_code == 200
    tracker = requests.get(f"{stack['rasa']}/conversations/{sender}/tracker",
                           params={"token": stack["api_token"]}, timeout=30).json()
    stored = json.dumps(tracker)
    assert token not in stored
    proofs = [e["metadata"]["identity"] for e in tracker["events"]
              if e.get("event") == "user" and (e.get("metadata") or {}).get("identity")]
    assert proofs
    for proof in proofs:  # good only at the action server, and only for minutes
        with pytest.raises(TokenError):
            verify_token(proof)


# ---- production is the default -------------------------------------------------------------------
def _production_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("BOT_ENV", "BOT_TOKEN_SECRET", "AGENT_TOKEN_SECRET",
                        "ACTION_SERVER_SECRET", "RASA_API_TOKEN")}
    env["BOT_DEMO"] = "1"
    return env


def test_the_action_server_refuses_to_start_in_production_without_secrets():
    env = {**_production_env(), "ACTION_PORT": str(free_port())}
    done = subprocess.run([sys.executable, "-m", "actions.server"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "BOT_TOKEN_SECRET" in done.stderr and "ACTION_SERVER_SECRET" in done.stderr


def test_the_rasa_server_refuses_to_start_in_production_with_dev_values(tmp_path):
    env = {**_production_env(), "RASA_API_TOKEN": "dev-api-token",
           "ACTION_SERVER_SECRET": "x" * 40, "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
           "TRACKER_SQLITE_PATH": str(tmp_path / "tracker.sqlite"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite'}"}
    rasa = Path(sys.executable).parent / "rasa"
    done = subprocess.run(
        [str(rasa), "run", "--model", str(trained_model()), "--endpoints", "endpoints.yml",
         "--credentials", "credentials.yml", "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-2000:]
    for variable in ("RASA_API_TOKEN", "BOT_DEMO", "BOT_TOKEN_SECRET", "AGENT_TOKEN_SECRET"):
        assert variable in output, output[-2000:]
