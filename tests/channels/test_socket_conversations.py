"""Conversations over the borrower socket: isolation between borrowers, history, hostile text
(real Rasa server, trained model, action server)."""
import asyncio
from datetime import datetime

import pytest
import requests

from bot.identity import issue_token
from tests.channels.support import Borrower, run

pytestmark = pytest.mark.conversation


def tracker_user_texts(stack, conversation_id):
    response = requests.get(f"{stack['rasa']}/conversations/{conversation_id}/tracker",
                            params={"token": stack["api_token"]}, timeout=30)
    assert response.status_code == 200, response.text
    return [e.get("text") for e in response.json()["events"] if e["event"] == "user"]


def test_b_never_receives_a_messages_even_naming_a_session_id(web_stack, fresh_id):
    b_id = fresh_id()
    b_text = "帮我查一下欠款"

    async def scenario():
        a = await Borrower(web_stack["rasa"], issue_token("demo-m1")).connect()
        b = await Borrower(web_stack["rasa"], issue_token(b_id)).connect()
        await a.wait_for("history")
        await b.wait_for("history")
        # B tries the stock channel's ways into A's room: session_request with A's
        # conversation, and a message carrying it (plus metadata pretending to be A).
        await b.client.emit("session_request", {"session_id": "b:demo-m1"})
        assert await b.wait_for("session_confirm") == "b:" + b_id
        assert (await b.say(b_text, session_id="b:demo-m1",
                            metadata={"token": "forged", "borrower_id": "demo-m1"}))["ok"]
        b_replies = list(b.texts())
        assert (await a.say("我上个月被裁员了，现在没有收入，信用卡还不上了"))["ok"]
        await b.settled()  # anything misrouted would have arrived before this round trip
        await a.close()
        await b.close()
        return a, b, b_replies

    a, b, b_replies = run(scenario())
    a_text = "\n".join(a.texts())
    assert "尾号 1187" in a_text and "逾期 20 天" in a_text  # A's own account, so A is A
    assert b_replies, "B got no answer to its own message"
    assert b.texts() == b_replies  # nothing of A's turn reached B
    assert not any("1187" in t or "张先生" in t for t in b.texts())
    assert not any(t in a.texts() for t in b_replies if t)
    assert b_text not in tracker_user_texts(web_stack, "b:demo-m1")
    assert b_text in tracker_user_texts(web_stack, "b:" + b_id)


def test_history_after_reconnect_repeats_the_conversation_in_order(web_stack, fresh_id):
    token = issue_token(fresh_id())

    async def scenario():
        me = await Borrower(web_stack["rasa"], token).connect()
        assert (await me.wait_for("history")) == {"messages": []}
        assert (await me.say("你好"))["ok"]
        with_buttons = [d for e, d in me.events if e == "bot_uttered" and d.get("buttons")]
        assert with_buttons, "the greeting offers quick replies"
        button = with_buttons[-1]["buttons"][0]
        assert (await me.say(button["payload"]))["ok"]  # a click sends the payload
        live = me.texts()
        await me.close()

        again = await Borrower(web_stack["rasa"], token).connect()
        history = await again.wait_for("history")
        await again.close()
        return button, live, history["messages"]

    button, live, messages = run(scenario())
    assert [m["text"] for m in messages if m["sender"] == "borrower"] == ["你好", button["title"]]
    assert [m["text"] for m in messages if m["sender"] == "bot"] == live
    assert messages[0]["sender"] == "borrower" and messages[1]["sender"] == "bot"
    stamps = [datetime.fromisoformat(m["at"]) for m in messages]
    assert stamps == sorted(stamps)
    # Quick replies only on the last message, and only if it is the bot's.
    assert all("buttons" not in m for m in messages[:-1])


def test_a_script_tag_typed_by_the_borrower_comes_back_as_plain_text(web_stack, fresh_id):
    token = issue_token(fresh_id())
    hostile = '<script>alert("x")</script><img src=x onerror="alert(1)"> 我这个月还不上了'

    async def scenario():
        me = await Borrower(web_stack["rasa"], token).connect()
        await me.wait_for("history")
        assert (await me.say(hostile))["ok"]
        await me.close()
        again = await Borrower(web_stack["rasa"], token).connect()
        history = await again.wait_for("history")
        await again.close()
        return me.texts(), history["messages"]

    live, messages = run(scenario())
    mine = [m for m in messages if m["sender"] == "borrower"]
    # Exactly what was typed, as a JSON string: not escaped, not stripped, not markup.
    assert [m["text"] for m in mine] == [hostile]
    assert set(mine[0]) == {"sender", "text", "at"}
    assert not any("<script" in t or "onerror" in t for t in live)
    # How the page shows it (textContent, never HTML) is tests/browser's part.


def test_messages_of_one_borrower_reach_all_of_their_own_sockets(web_stack, fresh_id):
    """Two tabs of the same borrower share the conversation room."""
    token = issue_token(fresh_id())

    async def scenario():
        tab1 = await Borrower(web_stack["rasa"], token).connect()
        tab2 = await Borrower(web_stack["rasa"], token).connect()
        await tab1.wait_for("history")
        await tab2.wait_for("history")
        assert (await tab1.say("你好"))["ok"]
        await tab2.wait_for("bot_uttered")
        await asyncio.sleep(0.5)
        await tab1.close()
        await tab2.close()
        return tab1.texts(), tab2.texts()

    texts1, texts2 = run(scenario())
    assert texts1 and texts1 == texts2


def test_the_rest_channel_still_works_beside_the_socket(web_stack, fresh_id):
    response = requests.post(f"{web_stack['rasa']}/webhooks/rest/webhook", json={
        "sender": fresh_id(), "message": "我上个月被裁员了，信用卡还不上了",
        "metadata": {"token": issue_token("demo-m1")}}, timeout=60)
    assert response.status_code == 200
    assert "尾号 1187" in "\n".join(m.get("text", "") for m in response.json())
