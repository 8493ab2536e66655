"""BorrowerSocketChannel's handlers with a stand-in server: what is trusted, what is dropped."""
import asyncio
import time

import pytest
import socketio
from rasa.shared.core.events import BotUttered, UserUttered
from socketio.exceptions import ConnectionRefusedError

from bot.channels.socket_channel import (
    BorrowerSocketChannel,
    BorrowerSocketOutput,
    _tracker_messages,
    merge_history,
)
from bot.handoff import hub
from bot.identity import ACTIONS_AUDIENCE, issue_token, verify_token


class FakeServer:
    """Records what the handlers do to the Socket.IO server."""

    def __init__(self, sio, session):
        self.calls = []
        self.session = dict(session)
        sio.get_session = self.get_session
        sio.save_session = self.save_session
        sio.emit = self.emit
        sio.disconnect = self.disconnect
        sio.enter_room = self.enter_room
        sio.start_background_task = self.start_background_task

    async def get_session(self, sid, namespace=None):
        return self.session

    async def save_session(self, sid, session, namespace=None):
        self.session = dict(session)

    async def emit(self, event, data=None, to=None, room=None, **kw):
        self.calls.append(("emit", event, data, to or room))

    async def disconnect(self, sid, namespace=None, **kw):
        self.calls.append(("disconnect", sid))

    async def enter_room(self, sid, room, namespace=None):
        self.calls.append(("enter_room", sid, room))

    def start_background_task(self, fn, *args):
        self.calls.append(("task", fn.__name__))


def make_channel(session=None, **credentials):
    received = []

    async def on_new_message(message):
        received.append(message)

    channel = BorrowerSocketChannel.from_credentials(credentials)
    channel.blueprint(on_new_message)
    fake = FakeServer(channel.sio, session or {})
    handlers = channel.sio.handlers["/"]
    return channel, handlers, fake, received


def test_message_goes_to_the_token_conversation_with_only_a_proof_as_metadata(
        tmp_path, monkeypatch):
    # The handler asks bot.handoff.borrower_side; no ticket here, and nothing may reach the
    # default database.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite'}")
    monkeypatch.setattr("bot.handoff.borrower_side.keep_for_agent", lambda *a: None)
    monkeypatch.setattr("bot.handoff.borrower_side.handoff_state_for", lambda *a: None)
    token = issue_token("demo-m1")
    _, handlers, fake, received = make_channel({"token": token, "conversation_id": "b:demo-m1"})
    ack = asyncio.run(handlers["user_uttered"]("sid-1", {
        "message": "我还不上了", "session_id": "b:demo-m3",
        "metadata": {"token": issue_token("demo-m3"), "borrower_id": "demo-m3"}}))
    assert ack == {"ok": True}
    [message] = received
    assert message.sender_id == "b:demo-m1"
    # Not the token itself (the tracker store keeps metadata): a proof for the actions alone.
    assert set(message.metadata) == {"identity"}
    assert verify_token(message.metadata["identity"], audience=ACTIONS_AUDIENCE) == "demo-m1"
    assert message.input_channel == "borrower_socket"
    assert message.text == "我还不上了"


def test_an_expired_token_stops_the_message_and_the_socket():
    token = issue_token("demo-m1", ttl_seconds=60, now=time.time() - 120)
    _, handlers, fake, received = make_channel({"token": token, "conversation_id": "b:demo-m1"})
    ack = asyncio.run(handlers["user_uttered"]("sid-1", {"message": "你好"}))
    assert received == []
    assert ack == {"ok": False, "error": "auth_error", "reason": "expired"}
    assert ("emit", "auth_error", {"reason": "expired"}, "sid-1") in fake.calls
    assert ("disconnect", "sid-1") in fake.calls


@pytest.mark.parametrize("data, error", [({"message": "长" * 2001}, "too_long"),
                                         ({"message": 42}, "bad_message"), (None, "bad_message")])
def test_bad_messages_are_refused_before_rasa(data, error):
    token = issue_token("demo-m1")
    _, handlers, _, received = make_channel({"token": token, "conversation_id": "b:demo-m1"})
    ack = asyncio.run(handlers["user_uttered"]("sid-1", data))
    assert ack["ok"] is False and ack["error"] == error and received == []


def test_connect_binds_the_socket_to_the_token_borrower_only():
    _, handlers, fake, _ = make_channel()
    token = issue_token("demo-grace")
    assert asyncio.run(handlers["connect"]("sid-9", {}, {"token": token})) is True
    assert fake.session == {"token": token, "conversation_id": "b:demo-grace"}
    assert ("enter_room", "sid-9", "b:demo-grace") in fake.calls
    # A session_request naming someone else's conversation changes nothing.
    asyncio.run(handlers["session_request"]("sid-9", {"session_id": "b:demo-m1"}))
    assert [c for c in fake.calls if c[0] == "enter_room"] == [("enter_room", "sid-9", "b:demo-grace")]
    assert ("emit", "session_confirm", "b:demo-grace", "sid-9") in fake.calls


@pytest.mark.parametrize("auth, reason", [(None, "missing"), ({}, "missing"),
                                          ({"token": "x.y.z"}, "malformed"),
                                          ("just-a-string", "missing")])
def test_connect_refusals_carry_the_reason(auth, reason):
    _, handlers, fake, _ = make_channel()
    with pytest.raises(ConnectionRefusedError) as refused:
        asyncio.run(handlers["connect"]("sid-9", {}, auth))
    assert refused.value.error_args == {"message": "auth_error", "data": {"reason": reason}}
    assert not [c for c in fake.calls if c[0] == "enter_room"]


def test_redis_url_makes_a_redis_client_manager_and_the_hub_sees_the_server():
    channel, *_ = make_channel(redis_url="redis://127.0.0.1:6399/0")
    assert isinstance(channel.sio.manager, socketio.AsyncRedisManager)
    assert hub.server is channel.sio
    plain, *_ = make_channel()
    assert not isinstance(plain.sio.manager, socketio.AsyncRedisManager)


def test_output_sends_the_contract_shape_and_custom_payloads_cannot_pick_a_room():
    sent = []

    class Sio:
        async def emit(self, event, data=None, room=None, **kw):
            sent.append((event, data, room))

    out = BorrowerSocketOutput(Sio())

    async def scenario():
        await out.send_response("b:me", {"text": "要算一下吗？",
                                         "buttons": [{"title": "好", "payload": "/affirm"}]})
        await out.send_response("b:me", {"custom": {"room": "b:someone-else", "x": 1}})
        await out.send_response("b:me", {"custom": {"handoff": {"state": "waiting", "position": 2}}})

    asyncio.run(scenario())
    assert sent == [
        ("bot_uttered", {"text": "要算一下吗？", "buttons": [{"title": "好", "payload": "/affirm"}],
                         "sender": "bot"}, "b:me"),
        ("bot_uttered", {"custom": {"room": "b:someone-else", "x": 1}, "sender": "bot"}, "b:me"),
        ("handoff", {"state": "waiting", "position": 2}, "b:me"),
    ]


def test_history_shows_clicked_titles_drops_duplicates_and_keeps_buttons_last():
    t0 = 1_790_000_000.0
    events = [
        UserUttered("你好", timestamp=t0),
        BotUttered("您好", data={"buttons": [{"title": "查我的欠款", "payload": "/check_debt"}]},
                   timestamp=t0 + 1),
        UserUttered("/check_debt", timestamp=t0 + 2),
        BotUttered("要不要算分期？", data={"buttons": [{"title": "好", "payload": "/affirm"}]},
                   timestamp=t0 + 3),
        UserUttered("EXTERNAL: reminder", timestamp=t0 + 4),
        UserUttered("我要人工", timestamp=t0 + 5),
    ]
    tickets = [
        {"sender": "borrower", "text": "我要人工", "ts": t0 + 5.2},  # same words, stored twice
        {"sender": "agent", "text": "您好，我是小李", "ts": t0 + 9, "agent_name": "小李"},
        {"sender": "system", "text": "小李 已接入对话", "ts": t0 + 8},
    ]
    history = merge_history(_tracker_messages(events), tickets)
    assert [(m["sender"], m["text"]) for m in history] == [
        ("borrower", "你好"), ("bot", "您好"), ("borrower", "查我的欠款"),
        ("bot", "要不要算分期？"), ("borrower", "我要人工"), ("agent", "您好，我是小李"),
    ]
    assert history[-1]["agent_name"] == "小李"
    assert not any("buttons" in m for m in history)  # the last message has none
    assert history[0]["at"] == "2026-09-21T14:13:20+00:00"

    last_is_bot = merge_history(_tracker_messages(events[:4]), [])
    assert last_is_bot[-1]["buttons"] == [{"title": "好", "payload": "/affirm"}]
    assert "buttons" not in last_is_bot[1]


def test_handed_off_words_are_stored_for_the_agent(tmp_path, monkeypatch):
    from bot.handoff import borrower_side, sql_queue
    from bot.storage.db import upgrade_to_head

    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade_to_head(url)
    assert borrower_side.keep_for_agent("b:x", "在吗") is None  # no open ticket: not kept
    assert borrower_side.handoff_state_for("b:x") is None
    queue = sql_queue.SqlHandoffQueue(url)
    ticket = queue.open_ticket("b:x", "x", "normal", "human", {})
    assert borrower_side.keep_for_agent("b:x", "在吗") is not None  # kept
    assert [(m.sender, m.text) for m in queue.messages(ticket.id)] == [("borrower", "在吗")]
    state = borrower_side.handoff_state_for("b:x")
    assert state["state"] == "waiting" and state["position"] == 1
    assert borrower_side.ticket_messages_for("b:x")[0]["text"] == "在吗"
