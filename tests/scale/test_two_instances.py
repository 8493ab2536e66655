"""Scale-out mode for real: two Rasa instances (each with its own action server) behind nginx,
on PostgreSQL and Redis, started exactly as `make run-scaled` starts them
(bot.scaled_stack). One conversation may be served by either instance for any message."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.identity import issue_token
from bot.scaled_stack import running_scaled_stack
from bot.storage.db import session_scope
from bot.storage.models import PlanApplication
from tests.channels.support import Borrower, run

pytestmark = [pytest.mark.conversation, pytest.mark.postgres]

TODAY = date(2026, 11, 23)
ALWAYS_OPEN = str(Path(__file__).resolve().parents[1] / "data" / "handoff_always_open.yml")


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    with running_scaled_stack(tmp_path_factory.mktemp("scaled"), TODAY,
                              extra_env={"BOT_DEMO": "1", "BOT_HANDOFF_SETTINGS": ALWAYS_OPEN}) as stack:
        yield stack


def say(base, sender, text, token):
    response = requests.post(f"{base}/webhooks/rest/webhook", timeout=60, json={
        "sender": sender, "message": text, "metadata": {"token": token}})
    assert response.status_code == 200, response.text
    return response.json()


def text_of(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def tracker_events(stack, base, sender):
    response = requests.get(f"{base}/conversations/{sender}/tracker",
                            params={"token": stack["api_token"]}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["events"]


def user_texts(events):
    return [e["text"] for e in events if e["event"] == "user"]


def turns_do_not_interleave(events):
    """Each user message's turn ends (the assistant listens again) before the next starts."""
    listening = True
    for event in events:
        if event["event"] == "user":
            if not listening:
                return False
            listening = False
        elif event["event"] == "action" and event.get("name") == "action_listen":
            listening = True
    return True


def test_messages_alternating_between_instances_keep_every_event_once_in_order(scaled):
    a, b = scaled["instances"]
    token, sender = issue_token("demo-m1"), f"alt-{uuid.uuid4().hex[:8]}"
    texts = ["你好", "查一下我欠多少钱", "逾期的违约金怎么算", "会影响征信吗", "我失业了还不上", "谢谢"]
    for i, text in enumerate(texts):
        assert text_of(say((a, b)[i % 2], sender, text, token))
    seen_from_a, seen_from_b = tracker_events(scaled, a, sender), tracker_events(scaled, b, sender)
    assert seen_from_a == seen_from_b
    assert user_texts(seen_from_a) == texts
    assert turns_do_not_interleave(seen_from_a)
    stamps = [e["timestamp"] for e in seen_from_a]
    assert stamps == sorted(stamps)


def test_concurrent_messages_to_one_conversation_run_one_at_a_time_on_either_instance(scaled):
    a, b = scaled["instances"]
    token, sender = issue_token("demo-m3"), f"conc-{uuid.uuid4().hex[:8]}"
    texts = [f"查一下我欠多少钱，第{i}次" for i in range(8)]
    start = threading.Barrier(len(texts))

    def send(i):
        start.wait()
        return say((a, b)[i % 2], sender, texts[i], token)

    with ThreadPoolExecutor(len(texts)) as pool:
        replies = list(pool.map(send, range(len(texts))))
    assert all(text_of(r) for r in replies)
    # A turn that waited its turn longer than TURN_REPLY_SECONDS answered "slow" and goes on.
    deadline = time.monotonic() + 60
    events = tracker_events(scaled, b, sender)
    while len(user_texts(events)) < len(texts) and time.monotonic() < deadline:
        time.sleep(0.2)
        events = tracker_events(scaled, b, sender)
    assert sorted(user_texts(events)) == sorted(texts)  # each once, none lost
    assert turns_do_not_interleave(events)


def test_a_plan_confirmed_through_one_instance_is_seen_through_the_other(scaled):
    a, b = scaled["instances"]
    token, sender = issue_token("demo-m1"), f"plan-{uuid.uuid4().hex[:8]}"
    answer = text_of(say(a, sender, "我上个月被裁员了，现在没有收入，信用卡还不上了", token))
    assert "分期" in answer
    assert "每个月" in text_of(say(b, sender, "好的", token))
    assert "推荐" in text_of(say(a, sender, "每个月最多能还1500", token))
    submitted = text_of(say(a, sender, "可以，就按这个提交吧", token))
    assert "PA-" in submitted
    reference = "PA-" + submitted.split("PA-")[1][:8]
    # Asking again through B: B's tracker holds A's turns, and the database A's application.
    offer = text_of(say(b, sender, "我想申请分期", token))
    assert "推荐" in offer and "1,500" in offer  # the budget given to A
    again = text_of(say(b, sender, "可以，就按这个提交吧", token))
    assert "已经提交过了" in again and reference in again
    with session_scope(scaled["env"]["DATABASE_URL"]) as db:
        stored = db.execute(select(PlanApplication).where(
            PlanApplication.conversation_id == sender)).scalars().all()
    assert len(stored) == 1


def test_an_agent_reply_reaches_the_socket_whichever_instance_holds_it(scaled):
    from bot.handoff import agents

    a, b = scaled["instances"]
    borrower = f"sock-{uuid.uuid4().hex[:8]}"
    with session_scope(scaled["env"]["DATABASE_URL"]) as db:
        agents.create_agent(db, f"li-{borrower}", "客服小李", "correct-horse-battery-1")
    login = requests.post(f"{b}/agent/api/login", timeout=30,
                          json={"username": f"li-{borrower}", "password": "correct-horse-battery-1"})
    assert login.status_code == 200, login.text
    agent = requests.Session()
    agent.headers["Authorization"] = "Bearer " + login.json()["token"]

    async def scenario():
        me = await Borrower(a, issue_token(borrower)).connect()  # the socket lives on A
        await me.wait_for("history")
        assert (await me.say("我要转人工"))["ok"]
        await me.wait_for("handoff", lambda d: d.get("state") == "waiting")
        tickets = agent.get(f"{b}/agent/api/tickets", timeout=30).json()  # the agent works on B
        ticket = next(t for t in tickets["tickets"] if t["conversation_id"] == "b:" + borrower)
        assert agent.post(f"{b}/agent/api/tickets/{ticket['id']}/claim", timeout=30).status_code == 200
        sent = agent.post(f"{b}/agent/api/tickets/{ticket['id']}/messages", timeout=30,
                          json={"text": "您好，我是客服小李。"})
        assert sent.status_code == 201, sent.text
        reply = await me.wait_for("bot_uttered", lambda d: d.get("sender") == "agent")
        await me.close()
        return reply

    reply = run(scenario())
    assert reply["text"] == "您好，我是客服小李。" and reply["agent_name"] == "客服小李"


def test_the_balancer_serves_pages_the_socket_and_rest(scaled):
    base = scaled["url"]
    assert "<html" in requests.get(f"{base}/chat/", timeout=30).text.lower()
    token = issue_token(f"lb-{uuid.uuid4().hex[:8]}")

    async def scenario():
        me = await Borrower(base, token).connect()  # WebSocket upgrade through nginx
        await me.wait_for("history")
        assert (await me.say("你好"))["ok"]
        said = await me.wait_for("bot_uttered")
        await me.close()
        return said

    assert run(scenario())["text"]


def test_a_load_of_200_conversations_has_no_server_error_and_no_empty_reply(scaled):
    base = scaled["url"]
    borrowers = ["demo-m1", "demo-m3", "demo-multi", "demo-grace"]
    texts = ["你好", "查一下我欠多少钱", "逾期的违约金怎么算", "会影响征信吗", "谢谢"]
    failures = []

    def conversation(i):
        session = requests.Session()
        token = issue_token(borrowers[i % len(borrowers)])
        sender = f"load-{i}-{uuid.uuid4().hex[:6]}"
        for text in texts:
            response = session.post(f"{base}/webhooks/rest/webhook", timeout=120, json={
                "sender": sender, "message": text, "metadata": {"token": token}})
            if response.status_code != 200 or not text_of(response.json()).strip():
                failures.append((sender, text, response.status_code, response.text[:200]))

    with ThreadPoolExecutor(50) as pool:
        list(pool.map(conversation, range(200)))
    assert failures == []


def test_an_instance_killed_in_the_middle_of_a_form_loses_nothing(scaled):
    """Rasa crashes (SIGKILL) half-way through the installment form: the other instance goes
    on where the conversation was, and so does the crashed one once it is started again."""
    a, b = scaled["instances"]
    token, sender = issue_token("demo-m1"), f"crash-{uuid.uuid4().hex[:8]}"
    assert "分期" in text_of(say(a, sender, "我上个月被裁员了，现在没有收入，信用卡还不上了", token))
    assert "每个月" in text_of(say(a, sender, "好的", token))  # the form asks for the budget
    scaled["kill_instance"](0)
    try:
        offer = text_of(say(b, sender, "每个月最多能还1500", token))
        assert "推荐" in offer and "1,500" in offer  # B knows the question A asked
    finally:
        scaled["start_instance"](0)
    submitted = text_of(say(a, sender, "可以，就按这个提交吧", token))
    assert "PA-" in submitted
    events = tracker_events(scaled, a, sender)
    assert user_texts(events) == ["我上个月被裁员了，现在没有收入，信用卡还不上了", "好的",
                                  "每个月最多能还1500", "可以，就按这个提交吧"]
    assert turns_do_not_interleave(events)
