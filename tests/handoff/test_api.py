"""The agent JSON API over real HTTP: a Sanic server on a free loopback port in a thread
(sanic-testing is not installed), the `requests` client, a fresh SQLite database, and a
Rasa tracker store + NLG standing in for the running Rasa Agent."""
import asyncio
import socket
import threading
import time
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
import requests
from sanic import Sanic

from bot.handoff import agents, hub
from bot.handoff.api import RESOLVED_FALLBACK_TEXT, agent_api_blueprint, tracker_transcript
from bot.handoff.sql_queue import SqlHandoffQueue
from bot.identity import issue_token
from tests.handoff.conftest import make_agent

RESOLVED_TEXT = "人工同事已经处理完了，我继续在这里陪您。"


class LiveServer:
    def __init__(self, app: Sanic) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._server = None
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)

            async def start():
                self._server = await app.create_server(
                    host="127.0.0.1", port=self.port, return_asyncio_server=True,
                    access_log=False)
                await self._server.startup()
                await self._server.before_start()
                await self._server.after_start()
                ready.set()

            self.loop.run_until_complete(start())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(15), "server did not start"

    def call(self, method, path, token=None, json=None, headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, f"http://127.0.0.1:{self.port}/agent/api{path}",
                                json=json, headers=headers, timeout=20)

    def run_coroutine(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(20)

    def stop(self):
        async def shutdown():
            await self._server.before_stop()
            self._server.close()
            await self._server.wait_closed()
            await self._server.after_stop()

        self.run_coroutine(shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def rasa_agent(with_response=True):
    """What the API uses of rasa.core.agent.Agent: tracker store, NLG, lock store."""
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    responses = {"utter_handoff_resolved": [{"text": RESOLVED_TEXT}]} if with_response else {}
    domain = Domain.from_dict({"responses": responses})
    return SimpleNamespace(tracker_store=InMemoryTrackerStore(domain),
                           nlg=TemplatedNaturalLanguageGenerator(domain.responses),
                           lock_store=InMemoryLockStore(), processor=None)


@pytest.fixture
def emitted(monkeypatch):
    sent = []

    async def record(conversation_id, event, data):
        sent.append((conversation_id, event, data))
        return True

    monkeypatch.setattr(hub, "emit_to_conversation", record)
    return sent


@pytest.fixture
def env(sqlite_url, emitted, monkeypatch):
    monkeypatch.setenv("BOT_ENV", "development")
    # Several apps start in one process: Sanic's start-up code rewriting (TouchUp) only
    # works again in test mode, as sanic-testing sets it. Left on for the whole session.
    Sanic.test_mode = True
    li = make_agent(sqlite_url, "li", "客服小李", "li-password-1")
    wang = make_agent(sqlite_url, "wang", "客服小王", "wang-password-1")
    app = Sanic(f"t{uuid.uuid4().hex[:8]}")
    app.blueprint(agent_api_blueprint(db_url=sqlite_url))
    app.ctx.agent = rasa_agent()
    server = LiveServer(app)
    yield SimpleNamespace(
        url=sqlite_url, server=server, queue=SqlHandoffQueue(sqlite_url), emitted=emitted,
        li=li, wang=wang, li_token=agents.issue_agent_token(li),
        wang_token=agents.issue_agent_token(wang), rasa=app.ctx.agent,
    )
    server.stop()


def _error(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == code and body["message"]  # Chinese text for the console
    return body


# ------------------------------------------------------------------------ login

def test_login_ok_and_bad(env):
    ok = env.server.call("POST", "/login", json={"username": "li", "password": "li-password-1"})
    assert ok.status_code == 200
    body = ok.json()
    assert body["agent"] == {"id": env.li, "display_name": "客服小李"}
    assert agents.verify_agent_token(body["token"]) == env.li

    wrong = env.server.call("POST", "/login", json={"username": "li", "password": "nope-nope"})
    unknown = env.server.call("POST", "/login", json={"username": "zhao", "password": "nope-nope"})
    assert _error(wrong, 401, "bad_credentials") == _error(unknown, 401, "bad_credentials")

    _error(env.server.call("POST", "/login", json={"username": "li"}), 400, "bad_request")
    _error(env.server.call("POST", "/login", json=["li", "x"]), 400, "bad_request")
    bad_json = env.server.call("POST", "/login", headers={"Content-Type": "application/json"})
    _error(bad_json, 400, "bad_request")


# ----------------------------------------------------------------------- tokens

def test_requests_without_or_with_wrong_tokens_are_401(env):
    _error(env.server.call("GET", "/tickets"), 401, "unauthorized")
    _error(env.server.call("GET", "/tickets", token="garbage"), 401, "unauthorized")
    borrower = issue_token("demo-m1")  # a valid borrower token is not an agent token
    _error(env.server.call("GET", "/tickets", token=borrower), 401, "unauthorized")
    expired = agents.issue_agent_token(env.li, ttl_seconds=1, now=int(time.time()) - 10)
    _error(env.server.call("GET", "/tickets", token=expired), 401, "token_expired")
    ghost = agents.issue_agent_token("agent-404")
    _error(env.server.call("GET", "/tickets", token=ghost), 401, "unauthorized")
    t = env.queue.open_ticket("b:demo-m1", "demo-m1", "normal", "human")
    for method, path in (("GET", f"/tickets/{t.id}"), ("POST", f"/tickets/{t.id}/claim"),
                         ("POST", f"/tickets/{t.id}/messages"),
                         ("POST", f"/tickets/{t.id}/resolve")):
        _error(env.server.call(method, path, token=borrower, json={"text": "x", "outcome": "x"}),
               401, "unauthorized")
    assert env.emitted == []


def test_me(env):
    me = env.server.call("GET", "/me", token=env.li_token)
    assert me.json() == {"agent": {"id": env.li, "display_name": "客服小李"}}


# ------------------------------------------------------------------------ queue

def test_ticket_list_is_ordered_with_waiting_time_and_headline(env):
    env.queue.open_ticket("b:demo-m1", "demo-m1", "normal", "human", {"headline": "逾期M1"})
    env.queue.open_ticket("b:demo-m3", "demo-m3", "urgent", "crisis", {"headline": "危机信号"})
    resp = env.server.call("GET", "/tickets", token=env.li_token)
    assert resp.status_code == 200
    body = resp.json()
    assert isinstance(body["open"], bool) and "next_opening" in body
    first, second = body["tickets"]
    assert (first["priority"], first["summary_headline"]) == ("urgent", "危机信号")
    assert second["conversation_id"] == "b:demo-m1" and second["borrower_id"] == "demo-m1"
    for item in body["tickets"]:
        assert item["status"] == "waiting" and item["agent_id"] is None
        assert isinstance(item["waiting_seconds"], int) and item["waiting_seconds"] >= 0
        assert "summary" not in item


def test_unknown_ticket_is_404(env):
    for method, path in (("GET", "/tickets/999"), ("POST", "/tickets/999/claim"),
                         ("GET", "/tickets/abc"), ("POST", "/tickets/0/claim")):
        _error(env.server.call(method, path, token=env.li_token), 404, "not_found")
    _error(env.server.call("POST", "/tickets/999/messages", token=env.li_token,
                           json={"text": "在吗"}), 404, "not_found")
    _error(env.server.call("POST", "/tickets/999/resolve", token=env.li_token,
                           json={"outcome": "x"}), 404, "not_found")


# ---------------------------------------------------------------- claim / reply

def test_claim_then_conflict_409(env):
    t = env.queue.open_ticket("b:demo-m3", "demo-m3", "urgent", "crisis")
    resp = env.server.call("POST", f"/tickets/{t.id}/claim", token=env.li_token)
    assert resp.status_code == 200
    ticket = resp.json()["ticket"]
    assert (ticket["status"], ticket["agent_id"], ticket["agent_name"]) == \
        ("claimed", env.li, "客服小李")
    assert env.emitted == [("b:demo-m3", "handoff",
                            {"state": "agent_joined", "agent_name": "客服小李"})]

    _error(env.server.call("POST", f"/tickets/{t.id}/claim", token=env.wang_token),
           409, "already_claimed")
    again = env.server.call("POST", f"/tickets/{t.id}/claim", token=env.li_token)
    assert again.status_code == 200  # the holder's double click
    assert len(env.emitted) == 1
    assert env.queue.get(t.id).agent_id == env.li


def test_reply_is_stored_and_delivered_only_for_the_holder(env):
    t = env.queue.open_ticket("b:demo-m1", "demo-m1", "high", "distress")
    # Nobody holds it yet: replying is refused.
    _error(env.server.call("POST", f"/tickets/{t.id}/messages", token=env.li_token,
                           json={"text": "您好"}), 403, "not_your_ticket")
    env.server.call("POST", f"/tickets/{t.id}/claim", token=env.li_token)
    env.emitted.clear()

    _error(env.server.call("POST", f"/tickets/{t.id}/messages", token=env.wang_token,
                           json={"text": "我来吧"}), 403, "not_your_ticket")
    _error(env.server.call("POST", f"/tickets/{t.id}/messages", token=env.li_token,
                           json={"text": "   "}), 400, "bad_request")
    _error(env.server.call("POST", f"/tickets/{t.id}/messages", token=env.li_token,
                           json={"text": "长" * 2001}), 400, "bad_request")
    assert env.emitted == []

    resp = env.server.call("POST", f"/tickets/{t.id}/messages", token=env.li_token,
                           json={"text": "您好，我是客服小李，我在。"})
    assert resp.status_code == 201
    body = resp.json()
    assert body["delivered"] is True
    assert body["message"]["sender"] == "agent" and body["message"]["agent_id"] == env.li
    assert env.emitted == [("b:demo-m1", "bot_uttered", {
        "text": "您好，我是客服小李，我在。", "sender": "agent", "agent_name": "客服小李"})]
    stored = env.queue.messages(t.id)
    assert [(m.sender, m.text) for m in stored][-1] == ("agent", "您好，我是客服小李，我在。")


def test_resolve_by_another_agent_is_403_and_changes_nothing(env):
    t = env.queue.open_ticket("b:demo-m1", "demo-m1", "normal", "human")
    env.server.call("POST", f"/tickets/{t.id}/claim", token=env.li_token)
    _error(env.server.call("POST", f"/tickets/{t.id}/resolve", token=env.wang_token,
                           json={"outcome": "抢着关"}), 403, "not_your_ticket")
    _error(env.server.call("POST", f"/tickets/{t.id}/resolve", token=env.li_token,
                           json={}), 400, "bad_request")
    assert env.queue.get(t.id).status == "claimed"


# ---------------------------------------------------------------------- resolve

def _seed_tracker(env, conversation_id):
    """The borrower's conversation before the handoff, as Rasa logged it."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    now = time.time()
    events = [
        ActionExecuted("action_listen", timestamp=now - 120),
        UserUttered("我欠了三万多，还不上了", {"name": "check_debt", "confidence": 0.9},
                    timestamp=now - 100),
        BotUttered("您名下有一笔消费贷……", timestamp=now - 99),
        UserUttered("我不想活了", {"name": "crisis", "confidence": 0.97}, timestamp=now - 60),
    ]
    tracker = DialogueStateTracker.from_events(conversation_id, events)
    env.server.run_coroutine(env.rasa.tracker_store.save(tracker))


def _add_events(env, conversation_id, *events):
    async def add():
        tracker = await env.rasa.tracker_store.retrieve(conversation_id)
        for e in events:
            tracker.update(e)
        await env.rasa.tracker_store.save(tracker)
    env.server.run_coroutine(add())


def test_full_handoff_resolve_resumes_rasa_and_tells_the_borrower(env):
    from rasa.shared.core.events import BotUttered, ConversationPaused, UserUttered

    conv = "b:demo-m3"
    _seed_tracker(env, conv)
    t = env.queue.open_ticket(conv, "demo-m3", "urgent", "crisis", {"headline": "危机信号"})
    opened = t.created_at.timestamp()
    # The crisis reply is logged just after the ticket opened; then Rasa is paused and the
    # borrower's next words also reach the socket channel, which stores them on the ticket.
    time.sleep(0.05)
    env.queue.add_message(t.id, "borrower", "有人吗")
    _add_events(env, conv, BotUttered("谢谢您愿意告诉我……12356", timestamp=opened + 0.01),
                ConversationPaused(timestamp=opened + 0.02),
                UserUttered("有人吗", {"name": "greet", "confidence": 0.5}, timestamp=time.time()))

    env.server.call("POST", f"/tickets/{t.id}/claim", token=env.li_token)
    env.server.call("POST", f"/tickets/{t.id}/messages", token=env.li_token,
                    json={"text": "我在，您现在安全吗？"})

    detail = env.server.call("GET", f"/tickets/{t.id}", token=env.li_token)
    assert detail.status_code == 200
    body = detail.json()
    assert body["ticket"]["id"] == t.id and body["summary"] == {"headline": "危机信号"}
    said = [(x["sender"], x["text"]) for x in body["transcript"]]
    assert said == [
        ("borrower", "我欠了三万多，还不上了"),
        ("bot", "您名下有一笔消费贷……"),
        ("borrower", "我不想活了"),
        ("bot", "谢谢您愿意告诉我……12356"),
        ("borrower", "有人吗"),
        ("system", "客服小李 已接入对话"),
        ("agent", "我在，您现在安全吗？"),
    ]
    assert all(x["at"] for x in body["transcript"])
    env.emitted.clear()

    resp = env.server.call("POST", f"/tickets/{t.id}/resolve", token=env.li_token,
                           json={"outcome": "已确认安全，家人陪同；已提供 12356 热线"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["resumed"] is True and body["delivered"] is True
    assert body["ticket"]["status"] == "resolved"
    assert body["ticket"]["outcome"] == "已确认安全，家人陪同；已提供 12356 热线"
    stored = env.queue.get(t.id)
    assert stored.status == "resolved" and stored.resolved_at is not None
    assert stored.outcome == "已确认安全，家人陪同；已提供 12356 热线"

    tracker = env.server.run_coroutine(env.rasa.tracker_store.retrieve(conv))
    assert not tracker.is_paused()
    last_four = [e.as_dict()["event"] for e in tracker.events][-4:]
    # resumed, told, the old question forgotten, and the turn closed for the next message
    assert last_four == ["resume", "bot", "slot", "action"]
    assert tracker.get_slot("offer") is None and tracker.latest_action_name == "action_listen"
    assert tracker.latest_bot_utterance.text == RESOLVED_TEXT
    assert tracker.latest_bot_utterance.metadata["utter_action"] == "utter_handoff_resolved"

    assert env.emitted == [
        (conv, "bot_uttered", {"text": RESOLVED_TEXT, "sender": "bot"}),
        (conv, "handoff", {"state": "resolved"}),
    ]
    assert env.queue.messages(t.id)[-1].text == RESOLVED_TEXT
    assert env.queue.open_ticket_for(conv) is None

    # A retried resolve answers 200 without telling the borrower twice.
    env.emitted.clear()
    again = env.server.call("POST", f"/tickets/{t.id}/resolve", token=env.li_token,
                            json={"outcome": "重复提交"})
    assert again.status_code == 200 and again.json()["resumed"] is False
    assert env.emitted == [] and env.queue.get(t.id).outcome.startswith("已确认安全")
    _error(env.server.call("POST", f"/tickets/{t.id}/messages", token=env.li_token,
                           json={"text": "还在吗"}), 409, "already_resolved")
    _error(env.server.call("POST", f"/tickets/{t.id}/claim", token=env.wang_token),
           409, "already_resolved")


def test_resolve_without_the_response_or_a_rasa_agent_uses_the_fallback_sentence(env):
    env.rasa = env.server.app.ctx.agent = rasa_agent(with_response=False)
    t = env.queue.open_ticket("b:demo-grace", "demo-grace", "normal", "human")
    env.server.call("POST", f"/tickets/{t.id}/claim", token=env.li_token)
    env.emitted.clear()
    resp = env.server.call("POST", f"/tickets/{t.id}/resolve", token=env.li_token,
                           json={"outcome": "已说明宽限期"})
    # No tracker yet for this conversation: nothing to resume, the borrower is still told.
    assert resp.status_code == 200 and resp.json()["resumed"] is False
    assert env.emitted[0] == ("b:demo-grace", "bot_uttered",
                              {"text": RESOLVED_FALLBACK_TEXT, "sender": "bot"})

    _seed_tracker(env, "b:demo-m1")
    t2 = env.queue.open_ticket("b:demo-m1", "demo-m1", "normal", "human")
    env.server.call("POST", f"/tickets/{t2.id}/claim", token=env.li_token)
    resp = env.server.call("POST", f"/tickets/{t2.id}/resolve", token=env.li_token,
                           json={"outcome": "ok"})
    assert resp.json()["resumed"] is True
    tracker = env.server.run_coroutine(env.rasa.tracker_store.retrieve("b:demo-m1"))
    assert tracker.latest_bot_utterance.text == RESOLVED_FALLBACK_TEXT

    del env.server.app.ctx.agent  # the API also works outside a Rasa server
    t3 = env.queue.open_ticket("b:demo-m6plus", "demo-m6plus", "normal", "human")
    env.server.call("POST", f"/tickets/{t3.id}/claim", token=env.li_token)
    resp = env.server.call("POST", f"/tickets/{t3.id}/resolve", token=env.li_token,
                           json={"outcome": "ok"})
    assert resp.status_code == 200 and resp.json()["resumed"] is False
    detail = env.server.call("GET", f"/tickets/{t3.id}", token=env.li_token).json()
    assert [x["sender"] for x in detail["transcript"]] == ["system", "bot"]


def test_tracker_transcript_cut():
    cut = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    ts = cut.timestamp()
    events = [{"event": "user", "text": "a", "timestamp": ts - 5},
              {"event": "action", "name": "x", "timestamp": ts - 4},
              {"event": "bot", "text": "", "timestamp": ts - 3},
              {"event": "bot", "text": "b", "timestamp": ts + 1},
              {"event": "user", "text": "c", "timestamp": ts + 2},
              {"event": "bot", "text": "d", "timestamp": ts + 3}]
    assert [(x["sender"], x["text"]) for x in tracker_transcript(events, cut)] == \
        [("borrower", "a"), ("bot", "b")]
    assert len(tracker_transcript(events, None)) == 4
