"""Handoff seen from the borrower's socket: queue place, words kept for the agent, the agent's
replies live and in the history, back to the assistant (real server, agent API included)."""
import pytest
import requests

from bot.handoff import agents as handoff_agents
from bot.handoff import sql_queue
from bot.identity import issue_token
from tests.channels.support import Borrower, run

pytestmark = pytest.mark.conversation



def agent_session(stack, username, name):
    from bot.storage.db import session_scope

    url = stack["env"]["DATABASE_URL"]
    with session_scope(url) as session:
        handoff_agents.create_agent(session, username, name, "correct-horse-battery-1")
    response = requests.post(f"{stack['rasa']}/agent/api/login", timeout=30,
                             json={"username": username, "password": "correct-horse-battery-1"})
    assert response.status_code == 200, response.text
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + response.json()["token"]
    return session


def test_handoff_states_stored_words_and_agent_replies(web_stack, fresh_id):
    borrower_id = fresh_id()
    conversation = "b:" + borrower_id
    token = issue_token(borrower_id)
    queue = sql_queue.SqlHandoffQueue(web_stack["env"]["DATABASE_URL"])
    # What the handoff action does when the borrower asks for a person.
    ticket = queue.open_ticket(conversation, borrower_id, "normal", "human", {})
    api = web_stack["rasa"] + "/agent/api"
    agent = agent_session(web_stack, "chan-test-li", "客服小李")

    async def scenario():
        me = await Borrower(web_stack["rasa"], token).connect()
        await me.wait_for("history")
        waiting = await me.wait_for("handoff")
        assert (await me.say("我还在等人工客服"))["ok"]

        claim = agent.post(f"{api}/tickets/{ticket.id}/claim", timeout=30)
        assert claim.status_code == 200, claim.text
        joined = await me.wait_for("handoff", lambda d: d.get("state") == "agent_joined")
        sent = agent.post(f"{api}/tickets/{ticket.id}/messages", timeout=30,
                          json={"text": "您好，我是客服小李，您的情况我看到了。"})
        assert sent.status_code == 201, sent.text
        reply = await me.wait_for("bot_uttered", lambda d: d.get("sender") == "agent")
        await me.close()

        again = await Borrower(web_stack["rasa"], token).connect()
        history = await again.wait_for("history")
        state_on_reconnect = await again.wait_for("handoff")
        resolved = agent.post(f"{api}/tickets/{ticket.id}/resolve", timeout=60,
                              json={"outcome": "已解释分期办法"})
        assert resolved.status_code == 200, resolved.text
        back = await again.wait_for("handoff", lambda d: d.get("state") == "resolved")
        await again.close()
        return waiting, joined, reply, history["messages"], state_on_reconnect, back

    waiting, joined, reply, messages, state_on_reconnect, back = run(scenario())
    assert waiting["state"] == "waiting" and waiting["position"] >= 1
    assert isinstance(waiting["expected_wait_minutes"], int)
    stored = [(m.sender, m.text) for m in queue.messages(ticket.id)]
    assert ("borrower", "我还在等人工客服") in stored
    assert joined == {"state": "agent_joined", "agent_name": "客服小李"}
    assert reply["agent_name"] == "客服小李" and "客服小李" in reply["text"]
    agent_lines = [m for m in messages if m["sender"] == "agent"]
    assert [(m["text"], m["agent_name"]) for m in agent_lines] == [
        ("您好，我是客服小李，您的情况我看到了。", "客服小李")]
    # The borrower's words are in the tracker and in the ticket: shown once.
    assert [m["text"] for m in messages if m["sender"] == "borrower"].count("我还在等人工客服") == 1
    assert state_on_reconnect == {"state": "agent_joined", "agent_name": "客服小李"}
    assert back == {"state": "resolved"}
