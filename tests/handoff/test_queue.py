"""SqlHandoffQueue on SQLite and PostgreSQL: ordering, idempotent opening, position,
claim / reply / resolve rules."""
import math
from datetime import timezone

import pytest
from sqlalchemy.exc import IntegrityError

from bot.handoff import HandoffQueue, NotTicketHolder, TicketNotFound
from bot.handoff.hours import load_settings
from bot.storage import models as m
from bot.storage.db import session_scope


def test_sql_queue_satisfies_the_protocol(queue):
    assert isinstance(queue, HandoffQueue)


def test_queue_order_is_priority_then_waiting_time(queue):
    normal_old = queue.open_ticket("c-normal-old", "b1", "normal", "human")
    high_old = queue.open_ticket("c-high-old", "b2", "high", "distress")
    normal_new = queue.open_ticket("c-normal-new", None, "normal", "fallback")
    urgent_new = queue.open_ticket("c-urgent-new", "b4", "urgent", "crisis")
    high_new = queue.open_ticket("c-high-new", "b5", "high", "complaint")
    urgent_newest = queue.open_ticket("c-urgent-newest", "b6", "urgent", "crisis")

    order = [t.conversation_id for t in queue.list_queue()]
    assert order == ["c-urgent-new", "c-urgent-newest", "c-high-old", "c-high-new",
                     "c-normal-old", "c-normal-new"]
    assert normal_old.created_at < high_old.created_at < normal_new.created_at
    assert urgent_new.created_at.tzinfo is not None and high_new.status == "waiting"
    assert urgent_newest.summary == {}


def test_claimed_tickets_listed_unless_excluded_and_resolved_never(queue, two_agents):
    li, _ = two_agents
    a = queue.open_ticket("c-a", "b1", "normal", "human")
    b = queue.open_ticket("c-b", "b2", "normal", "human")
    c = queue.open_ticket("c-c", "b3", "normal", "human")
    queue.claim(a.id, li)
    queue.claim(c.id, li)
    queue.resolve(c.id, li, "done")
    assert [t.id for t in queue.list_queue()] == [a.id, b.id]
    assert [t.id for t in queue.list_queue(include_claimed=False)] == [b.id]
    claimed = queue.list_queue()[0]
    assert claimed.agent_id == li and claimed.agent_name == "客服小李"


def test_open_ticket_is_idempotent_and_only_raises_priority(queue):
    first = queue.open_ticket("conv-1", "b1", "normal", "human", {"headline": "v1"})
    again = queue.open_ticket("conv-1", "b1", "normal", "dispute", {})
    assert again.id == first.id
    assert again.category == "human"  # kept: only crisis replaces it
    assert again.summary == {"headline": "v1"}  # an empty summary does not erase one

    higher = queue.open_ticket("conv-1", "b1", "high", "distress", {"headline": "v2"})
    assert (higher.id, higher.priority, higher.category) == (first.id, "high", "human")
    assert higher.summary == {"headline": "v2"}

    lower = queue.open_ticket("conv-1", "b1", "normal", "fallback")
    assert lower.priority == "high"  # never lowered

    crisis = queue.open_ticket("conv-1", "b1", "urgent", "crisis")
    assert (crisis.id, crisis.priority, crisis.category) == (first.id, "urgent", "crisis")
    assert len(queue.list_queue()) == 1
    assert crisis.created_at == first.created_at  # keeps its place in the queue


def test_open_ticket_fills_a_missing_borrower_and_validates(queue):
    t = queue.open_ticket("conv-anon", None, "normal", "fallback")
    assert t.borrower_id is None
    assert queue.open_ticket("conv-anon", "demo-m1", "normal", "human").borrower_id == "demo-m1"
    with pytest.raises(ValueError):
        queue.open_ticket("conv-x", None, "asap", "human")
    with pytest.raises(ValueError):
        queue.open_ticket("conv-x", None, "normal", "chitchat")
    with pytest.raises(ValueError):
        queue.open_ticket("", None, "normal", "human")


def test_a_resolved_conversation_gets_a_new_ticket(queue, two_agents):
    li, _ = two_agents
    first = queue.open_ticket("conv-1", "b1", "normal", "human")
    queue.claim(first.id, li)
    queue.resolve(first.id, li, "explained the fees")
    assert queue.open_ticket_for("conv-1") is None
    second = queue.open_ticket("conv-1", "b1", "high", "distress")
    assert second.id != first.id and second.status == "waiting"
    assert queue.open_ticket_for("conv-1").id == second.id


def test_database_refuses_two_open_tickets_for_one_conversation(db_url):
    # The partial unique index, not only the code, keeps one open ticket per conversation.
    with session_scope(db_url) as session:
        session.add(m.Ticket(conversation_id="dup", priority="normal", category="human",
                             status="resolved"))
        session.add(m.Ticket(conversation_id="dup", priority="normal", category="human",
                             status="waiting"))
    with pytest.raises(IntegrityError):
        with session_scope(db_url) as session:
            session.add(m.Ticket(conversation_id="dup", priority="high", category="human",
                                 status="claimed"))


def test_position_and_expected_wait(queue, two_agents):
    li, _ = two_agents
    settings = load_settings()

    def wait(place):
        return math.ceil(place * settings.average_minutes_per_ticket / settings.agents_on_duty)

    normal = queue.open_ticket("c-n", "b1", "normal", "human")
    high = queue.open_ticket("c-h", "b2", "high", "distress")
    assert queue.position(high.id) == (1, wait(1))
    assert queue.position(normal.id)[0] == 2
    urgent = queue.open_ticket("c-u", "b3", "urgent", "crisis")
    place, minutes = queue.position(normal.id)
    assert (place, minutes) == (3, wait(3))
    assert queue.position(urgent.id)[0] == 1
    queue.claim(urgent.id, li)
    assert queue.position(urgent.id) == (0, 0)
    assert queue.position(normal.id)[0] == 2
    with pytest.raises(TicketNotFound):
        queue.position(999999)


def test_claim_reply_resolve_rules(queue, two_agents):
    li, wang = two_agents
    t = queue.open_ticket("conv-1", "b1", "urgent", "crisis")
    claimed = queue.claim(t.id, li)
    assert claimed.status == "claimed" and claimed.agent_id == li
    assert claimed.claimed_at is not None and claimed.waiting_seconds() >= 1
    assert queue.claim(t.id, wang) is None  # two agents never hold one ticket
    assert queue.claim(t.id, li).agent_id == li  # the holder's repeated click
    with pytest.raises(TicketNotFound):
        queue.claim(424242, li)

    queue.add_message(t.id, "borrower", "还在吗")
    queue.add_message(t.id, "agent", "我在，您慢慢说。", agent_id=li)
    with pytest.raises(ValueError):
        queue.add_message(t.id, "robot", "x")
    with pytest.raises(ValueError):
        queue.add_message(t.id, "agent", "   ")
    with pytest.raises(TicketNotFound):
        queue.add_message(424242, "agent", "x")
    said = queue.messages(t.id)
    assert [(x.sender, x.text) for x in said] == [("borrower", "还在吗"), ("agent", "我在，您慢慢说。")]
    assert said[1].agent_id == li and said[0].created_at.tzinfo == timezone.utc

    with pytest.raises(NotTicketHolder):
        queue.resolve(t.id, wang, "not mine")
    done = queue.resolve(t.id, li, "已联系家人陪同，并转介心理热线")
    assert done.status == "resolved" and done.outcome == "已联系家人陪同，并转介心理热线"
    assert done.resolved_at is not None
    assert queue.resolve(t.id, li, "again").outcome == "已联系家人陪同，并转介心理热线"
    assert queue.claim(t.id, wang) is None


def test_waiting_ticket_cannot_be_resolved(queue, two_agents):
    li, _ = two_agents
    t = queue.open_ticket("conv-1", "b1", "normal", "human")
    with pytest.raises(NotTicketHolder):
        queue.resolve(t.id, li, "skipped the claim")
    with pytest.raises(TicketNotFound):
        queue.resolve(31337, li, "x")
    assert queue.get(t.id).status == "waiting"
    assert queue.get(31337) is None and queue.get("abc") is None
