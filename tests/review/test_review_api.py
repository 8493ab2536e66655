"""The editors' review API (/review/api) over real HTTP, as tests/handoff/test_api.py: a Sanic
server on a loopback port in a thread, `requests`, a fresh SQLite database. Editors are
their own role: an agent token is refused here and an editor token by the agent API."""
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
import requests
import yaml
from sanic import Sanic

from bot.handoff import agents
from bot.handoff.api import agent_api_blueprint
from bot.handoff.hours import SignInSettings
from bot.handoff.throttle import SignInThrottle
from bot.review import store
from bot.review.api import domain_intents, figures, review_api_blueprint
from bot.storage import demo
from bot.storage.db import session_scope
from bot.storage.models import (
    Account,
    ConversationOwner,
    PaymentPromise,
    PlanApplication,
    Reminder,
    Ticket,
)
from tests.handoff.test_api import LiveServer

PHONE_TEXT = "我的手机号是 138 1234 5678，怎么注销这张卡"


@pytest.fixture
def env(sqlite_url, monkeypatch):
    monkeypatch.setenv("BOT_ENV", "development")
    Sanic.test_mode = True
    with session_scope(sqlite_url) as s:
        editor = agents.create_editor(s, "chen", "编辑小陈", "chen-password-1").id
        agent = agents.create_agent(s, "li", "客服小李", "li-password-1").id
    app = Sanic(f"r{uuid.uuid4().hex[:8]}")
    app.blueprint(review_api_blueprint(db_url=sqlite_url))
    app.blueprint(agent_api_blueprint(db_url=sqlite_url))
    server = LiveServer(app)

    def call(method, path, token=None, json=None, prefix="/review/api"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, f"http://127.0.0.1:{server.port}{prefix}{path}",
                                json=json, headers=headers, timeout=20)

    yield SimpleNamespace(url=sqlite_url, call=call, editor=editor, agent=agent,
                          editor_token=agents.issue_editor_token(editor),
                          agent_token=agents.issue_agent_token(agent))
    server.stop()


def _error(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == code and body["message"]
    return body


def record(url, text, reason="fallback", intent=None, confidence=None, conversation="c1"):
    with session_scope(url) as s:
        return store.record_missed(s, conversation, text, reason, intent, confidence).id


# ------------------------------------------------------------------------- roles

def test_editor_signs_in_and_agent_cannot(env):
    ok = env.call("POST", "/login", json={"username": "chen", "password": "chen-password-1"})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["editor"] == {"id": env.editor, "display_name": "编辑小陈"}
    assert env.editor.startswith("editor-")
    assert agents.verify_editor_token(body["token"]) == env.editor
    assert env.call("GET", "/me", token=body["token"]).json()["editor"]["id"] == env.editor

    # An agent's right password does not open the review page, nor an editor's the console.
    agent_here = env.call("POST", "/login", json={"username": "li", "password": "li-password-1"})
    wrong = env.call("POST", "/login", json={"username": "chen", "password": "nope-nope"})
    assert _error(agent_here, 401, "bad_credentials") == _error(wrong, 401, "bad_credentials")
    editor_there = env.call("POST", "/login", prefix="/agent/api",
                            json={"username": "chen", "password": "chen-password-1"})
    _error(editor_there, 401, "bad_credentials")
    _error(env.call("POST", "/login", json={"username": "chen"}), 400, "bad_request")


def test_tokens_are_not_interchangeable(env):
    for path in ("/items", "/intents", "/export", "/figures", "/me"):
        _error(env.call("GET", path), 401, "unauthorized")
        _error(env.call("GET", path, token=env.agent_token), 401, "unauthorized")
    item = record(env.url, "你好")
    _error(env.call("POST", f"/items/{item}/dismiss", token=env.agent_token), 401, "unauthorized")
    # The editor's token is refused by the agent console's API.
    _error(env.call("GET", "/tickets", token=env.editor_token, prefix="/agent/api"),
           401, "unauthorized")
    assert env.call("GET", "/tickets", token=env.agent_token, prefix="/agent/api").ok
    # An agent-audience token for an editor's id (never issued; defence in depth) and an
    # editor-audience token for an agent's id are refused by the account's role.
    _error(env.call("GET", "/tickets", token=agents.issue_agent_token(env.editor),
                    prefix="/agent/api"), 401, "unauthorized")
    _error(env.call("GET", "/items", token=agents.issue_editor_token(env.agent)),
           401, "unauthorized")
    expired = agents.issue_editor_token(env.editor, ttl_seconds=1, now=int(time.time()) - 10)
    _error(env.call("GET", "/items", token=expired), 401, "token_expired")
    with session_scope(env.url) as s:
        agents.get_agent(s, env.editor).active = False
    _error(env.call("GET", "/items", token=env.editor_token), 401, "unauthorized")


def test_tokens_audiences():
    editor_token = agents.issue_editor_token("editor-1")
    agent_token = agents.issue_agent_token("agent-1")
    assert agents.verify_editor_token(editor_token) == "editor-1"
    with pytest.raises(agents.TokenError) as exc:
        agents.verify_agent_token(editor_token)
    assert exc.value.reason == "wrong_audience"
    with pytest.raises(agents.TokenError):
        agents.verify_editor_token(agent_token)


def test_cli_create_editor_and_demo_editor(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {"DATABASE_URL": url, "EDITOR_PASSWORD": "zhou-password-1", "BOT_ENV": "development",
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "bot", "create-editor", "zhou", "编辑小周"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "editor created: editor-1" in done.stdout
    again = subprocess.run([sys.executable, "-m", "bot", "create-editor", "zhou", "编辑小周"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already taken" in again.stderr
    init = subprocess.run([sys.executable, "-m", "bot", "init-db"],
                          env={**env, "BOT_DEMO": "1"}, capture_output=True, text=True,
                          timeout=120)
    assert init.returncode == 0, init.stderr
    with session_scope(url) as s:
        assert agents.authenticate(s, "zhou", "zhou-password-1", role="editor") is not None
        assert agents.authenticate(s, "zhou", "zhou-password-1") is None  # not an agent
        assert agents.authenticate(s, "demo-editor", "demo-editor-pass", role="editor")
        assert agents.authenticate(s, "demo-agent", "demo-agent-pass") is not None
        assert agents.authenticate(s, "demo-agent", "demo-agent-pass", role="editor") is None


# ------------------------------------------------------------------------- items

def test_items_are_grouped_masked_with_what_the_assistant_thought(env):
    first = record(env.url, PHONE_TEXT, "low_confidence", "check_debt", 0.41)
    second = record(env.url, "我的手机号是13912345678，怎么注销这张卡？", "fallback", "check_debt", 0.35)
    other = record(env.url, "你们几点下班", "fallback", None, None)
    resp = env.call("GET", "/items?status=new", token=env.editor_token)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "new" and body["total"] == 3
    big, small = body["groups"]
    assert big["count"] == 2 and sorted(big["ids"]) == sorted([first, second])
    assert all("【手机号】" in t and "138" not in t and "139" not in t for t in big["examples"])
    assert big["thought"]["intent"] == "check_debt"
    assert big["thought"]["confidence"] == pytest.approx(0.38)
    assert {r["reason"] for r in big["thought"]["reasons"]} == {"low_confidence", "fallback"}
    assert big["dismissable"] is True
    assert small["ids"] == [other] and small["thought"]["intent"] is None
    _error(env.call("GET", "/items?status=bogus", token=env.editor_token), 400, "bad_request")
    assert env.call("GET", "/items?status=all", token=env.editor_token).json()["total"] == 3


def test_intents_come_from_the_domain(env):
    body = env.call("GET", "/intents", token=env.editor_token).json()
    assert body["intents"] == domain_intents()
    assert "check_debt" in body["intents"] and "possible_crisis" not in body["intents"]


def test_label_new_intent_dismiss_and_export(env):
    a = record(env.url, PHONE_TEXT, "low_confidence", "check_debt", 0.41)
    b = record(env.url, "我的手机号是13912345678，怎么注销这张卡？")
    c = record(env.url, "我要开发票", "fallback")
    d = record(env.url, "asdfgh", "fallback")
    crisis = record(env.url, "活着没意思", "low_confidence", "crisis", 0.3)

    _error(env.call("POST", f"/items/{a}/label", token=env.editor_token, json={}),
           400, "bad_request")
    _error(env.call("POST", f"/items/{a}/label", token=env.editor_token,
                    json={"intent": "no_such_intent"}), 400, "unknown_intent")
    _error(env.call("POST", f"/items/{a}/label", token=env.editor_token,
                    json={"intent": "possible_crisis"}), 400, "unknown_intent")
    _error(env.call("POST", "/items/9999/label", token=env.editor_token,
                    json={"intent": "greet"}), 404, "not_found")
    _error(env.call("POST", "/items/abc/dismiss", token=env.editor_token), 404, "not_found")
    # One unknown id in the group: nothing is changed.
    _error(env.call("POST", f"/items/{a}/label", token=env.editor_token,
                    json={"intent": "out_of_scope", "ids": [b, 9999]}), 404, "not_found")

    resp = env.call("POST", f"/items/{a}/label", token=env.editor_token,
                    json={"intent": "out_of_scope", "ids": [b]})
    assert resp.status_code == 200, resp.text
    assert [(i["id"], i["status"], i["label"]) for i in resp.json()["items"]] == [
        (a, "labelled", "out_of_scope"), (b, "labelled", "out_of_scope")]

    _error(env.call("POST", f"/items/{c}/new-intent", token=env.editor_token,
                    json={"name": "开发票"}), 400, "bad_request")
    resp = env.call("POST", f"/items/{c}/new-intent", token=env.editor_token,
                    json={"name": "ask_invoice"})
    assert resp.json()["items"][0]["status"] == "new_intent"
    assert resp.json()["items"][0]["label"] == "ask_invoice"

    assert env.call("POST", f"/items/{d}/dismiss", token=env.editor_token).json()[
        "items"][0]["status"] == "dismissed"
    _error(env.call("POST", f"/items/{crisis}/dismiss", token=env.editor_token),
           409, "not_dismissable")
    with session_scope(env.url) as s:
        assert store.get_item(s, a).editor == env.editor
        assert store.get_item(s, crisis).status == "new"

    left = env.call("GET", "/items", token=env.editor_token).json()
    assert [g["ids"] for g in left["groups"]] == [[crisis]]
    assert left["groups"][0]["dismissable"] is False

    export = env.call("GET", "/export", token=env.editor_token)
    assert export.status_code == 200
    assert export.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "yaml" in export.headers["Content-Type"]
    data = yaml.safe_load(export.text)
    assert data["version"] == "3.1"
    # The two wordings differ only in spaces and punctuation: the export keeps one.
    assert data["nlu"] == [{"intent": "out_of_scope",
                            "examples": "- 我的手机号是 【手机号】，怎么注销这张卡\n"}]
    assert "138" not in export.text and "ask_invoice" not in export.text


# ----------------------------------------------------------------------- figures

def test_figures_shape_over_http(env):
    record(env.url, "你好", "fallback", "greet", 0.2)
    resp = env.call("GET", "/figures?days=7", token=env.editor_token)
    assert resp.status_code == 200, resp.text
    f = resp.json()
    assert f["window"]["days"] == 7 and len(f["conversations"]["per_day"]) == 7
    assert f["conversations"]["total"] == 1
    assert set(f["handoffs"]["by_category"]) >= {"crisis", "human", "fallback"}
    assert f["fallback"] == {"count": 1, "of": 1, "rate": 1.0}
    assert f["resolved_without_person"] == {"count": 0, "of": 1, "share": 0.0}
    assert f["missed_topics"]["predicted"] == [{"intent": "greet", "count": 1}]
    assert f["missed_topics"]["waiting"] == 1
    _error(env.call("GET", "/figures?days=0", token=env.editor_token), 400, "bad_request")
    _error(env.call("GET", "/figures?days=365", token=env.editor_token), 400, "bad_request")


def test_figures_count_from_our_tables(sqlite_url):
    now = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
    yesterday = now - timedelta(days=1)
    old = now - timedelta(days=30)
    with session_scope(sqlite_url) as s:
        demo.seed_demo(s, now.date())  # also a plan application "demo-seed", stamped today
    with session_scope(sqlite_url) as s:
        acc = s.query(Account).filter(Account.borrower_id == "demo-current").first()
        borrower = acc.borrower_id
        # c-plan: an application, no ticket -> resolved.
        s.add(ConversationOwner(conversation_id="c-plan", borrower_id=borrower, created_at=now))
        s.add(PlanApplication(reference="PA-1", dedupe_key="k1", borrower_id=borrower,
                              account_id=acc.id, kind="extension", days=7,
                              conversation_id="c-plan", created_at=now))
        # c-promise: a promise but also a ticket -> not resolved without a person.
        s.add(PaymentPromise(borrower_id=borrower, account_id=acc.id, amount=Decimal("100"),
                             promised_on=now.date(), conversation_id="c-promise",
                             created_at=yesterday))
        s.add(Ticket(conversation_id="c-promise", borrower_id=borrower, priority="normal",
                     category="human", status="resolved", created_at=yesterday))
        # c-remind: the owner set a reminder that day -> resolved.
        s.add(ConversationOwner(conversation_id="c-remind", borrower_id="demo-m1",
                                created_at=yesterday))
        s.add(Reminder(borrower_id="demo-m1", days_before=3, created_at=yesterday,
                       updated_at=yesterday))
        # c-fallback: a fallback handed off.
        s.add(Ticket(conversation_id="c-fallback", priority="normal", category="fallback",
                     status="waiting", created_at=now))
        # Outside the window: not counted.
        s.add(Ticket(conversation_id="c-old", priority="urgent", category="crisis",
                     status="resolved", created_at=old))
    with session_scope(sqlite_url) as s:
        item = store.record_missed(s, "c-miss", "查一下", "low_confidence", "check_debt", 0.4)
        item.created_at = now
        store.label(s, item.id, "check_debt", "editor-1")
        f = figures(s, days=7, now=now)
    assert f["window"] == {"from": "2026-11-17", "to": "2026-11-23", "days": 7,
                           "timezone": "Asia/Shanghai"}
    assert f["conversations"]["total"] == 5
    per_day = {d["date"]: d["count"] for d in f["conversations"]["per_day"]}
    assert per_day["2026-11-23"] == 3 and per_day["2026-11-22"] == 2
    assert f["resolved_without_person"] == {"count": 2, "of": 5, "share": 0.4}
    assert f["handoffs"]["total"] == 2
    assert f["handoffs"]["by_category"]["human"] == 1
    assert f["handoffs"]["by_category"]["fallback"] == 1
    assert f["handoffs"]["by_category"]["crisis"] == 0
    assert f["fallback"] == {"count": 1, "of": 5, "rate": 0.2}
    assert f["missed_topics"]["labels"] == [{"intent": "check_debt", "count": 1}]
    assert f["missed_topics"]["waiting"] == 0


def test_sign_in_is_throttled(sqlite_url, monkeypatch):
    monkeypatch.setenv("BOT_ENV", "development")
    Sanic.test_mode = True
    with session_scope(sqlite_url) as s:
        agents.create_editor(s, "chen", "编辑小陈", "chen-password-1")
    gate = SignInThrottle(SignInSettings(free_failures=2, window_seconds=600,
                                         first_lockout_seconds=60, max_lockout_seconds=600))
    app = Sanic(f"r{uuid.uuid4().hex[:8]}")
    app.blueprint(review_api_blueprint(db_url=sqlite_url, sign_in_throttle=gate))
    server = LiveServer(app)
    try:
        url = f"http://127.0.0.1:{server.port}/review/api/login"
        for _ in range(2):
            assert requests.post(url, json={"username": "chen", "password": "wrong-pass"},
                                 timeout=20).status_code == 401
        locked = requests.post(url, json={"username": "chen", "password": "chen-password-1"},
                               timeout=20)
        _error(locked, 429, "too_many_attempts")
        assert int(locked.headers["Retry-After"]) >= 1
    finally:
        server.stop()
