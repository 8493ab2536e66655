"""Handing a conversation to a person: a ticket with its case summary in the queue, the
borrower told their place and the expected wait (or when agents are back), and, where a
person must take over now, the conversation paused so the bot stops answering."""

from rasa_sdk.events import ConversationPaused

from bot import clock
from bot.formatting import day
from bot.handoff import hours
from bot.handoff.sql_queue import SqlHandoffQueue
from bot.handoff.summary import build_case_summary
from bot.storage import repository

from .turn import Turn


def ticket_reference(ticket) -> str:
    return f"RG-{int(ticket.id):06d}"


def open_ticket(turn: Turn, category: str, pause: bool):
    """Opens (or raises the priority of) this conversation's ticket (the queue commits in
    its own session, so a desk product can replace it)."""
    borrower_id = turn.borrower_id()
    accounts = turn.accounts(borrower_id) if borrower_id else []
    applications = repository.list_plan_applications(turn.session, borrower_id) if borrower_id else []
    summary = build_case_summary(turn.tracker.events, turn.tracker.slots, accounts, applications, turn.today)
    # End this request's transaction first: the queue writes in its own session, and SQLite
    # refuses a later write from a transaction that began before that commit.
    turn.session.commit()
    queue = SqlHandoffQueue()
    ticket = queue.open_ticket(turn.conversation_id, borrower_id, hours.priority_for(category),
                               category, summary)
    if pause:
        turn.events.append(ConversationPaused())
    return queue, ticket


def agents_on_duty() -> bool:
    return hours.is_open(clock.now())


def next_opening_text() -> str:
    opening = hours.next_opening(clock.now())  # in the agents' time zone
    if opening is None:
        return "下一个工作日"
    return f"{day(opening.date())} {opening:%H:%M}"


def tell_wait(turn: Turn, queue, ticket) -> None:
    """Place in the queue and expected wait, or when agents are back (the ticket is kept)."""
    reference = ticket_reference(ticket)
    if agents_on_duty():
        place, minutes = queue.position(ticket.id)
        turn.say("utter_handoff_waiting", reference=reference, ahead=max(place - 1, 0), minutes=minutes)
    else:
        turn.say("utter_handoff_outside_hours", reference=reference, next_opening=next_opening_text())
