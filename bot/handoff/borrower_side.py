"""The handoff as the borrower's channels see it: the one interface the REST and Socket.IO
channels call (they never touch the ticket tables or the queue themselves).

- keep_for_agent: while a ticket is open, the borrower's words are kept on it for the agent,
  and self-harm talk or a scam while waiting gets its answer at once (the bot is paused);
- handoff_state_for: the "handoff" event payload (waiting and place, or agent joined);
- ticket_messages_for: what was said on the borrower's tickets, for the chat history.

All synchronous (SQLAlchemy): the channels run them in a worker thread.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.content import response_text
from bot.distress.detector import Level, assess_message
from bot.safety import is_scam
from bot.storage import models
from bot.storage.db import session_scope

from .sql_queue import SqlHandoffQueue
from .transcript import DEFAULT_AGENT_NAME

logger = logging.getLogger(__name__)


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite gives naive datetimes; we store UTC
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _agent_name(session, agent_id: Optional[str]) -> Optional[str]:
    if not agent_id:
        return None
    agent = session.get(models.Agent, agent_id)
    return getattr(agent, "display_name", None) if agent else None


def ticket_messages_for(conversation_id: str) -> List[Dict[str, Any]]:
    """What was said while handed off, oldest first, as {sender, text, ts[, agent_name]};
    [] while the handoff tables do not exist yet (an older database)."""
    try:
        with session_scope() as session:
            rows = session.execute(
                select(models.TicketMessage)
                .join(models.Ticket, models.TicketMessage.ticket_id == models.Ticket.id)
                .where(models.Ticket.conversation_id == conversation_id)
                .order_by(models.TicketMessage.created_at, models.TicketMessage.id)
            ).scalars().all()
            names: Dict[Optional[str], Optional[str]] = {}
            out = []
            for row in rows:
                item = {"sender": row.sender, "text": row.text or "", "ts": _epoch(row.created_at)}
                agent_id = getattr(row, "agent_id", None)
                if row.sender == "agent":
                    if agent_id not in names:
                        names[agent_id] = _agent_name(session, agent_id)
                    item["agent_name"] = names[agent_id] or DEFAULT_AGENT_NAME
                out.append(item)
            return out
    except SQLAlchemyError as exc:  # e.g. migration 0002 not applied yet
        logger.debug("no ticket messages for %s: %s", conversation_id, exc)
        return []


def _queue() -> SqlHandoffQueue:
    return SqlHandoffQueue()


def handoff_state_for(conversation_id: str) -> Optional[Dict[str, Any]]:
    """The "handoff" event payload for an open ticket, None when there is none."""
    try:
        queue = _queue()
        ticket = queue.open_ticket_for(conversation_id)
        if ticket is None:
            return None
        if ticket.status == "waiting":
            place, minutes = queue.position(ticket.id)
            return {"state": "waiting", "position": int(place),
                    "expected_wait_minutes": int(minutes)}
        name = getattr(ticket, "agent_name", None)
        if not name:
            with session_scope() as session:
                name = _agent_name(session, ticket.agent_id)
        return {"state": "agent_joined", "agent_name": name or DEFAULT_AGENT_NAME}
    except Exception as exc:  # a state banner must never break the borrower's turn
        logger.warning("no handoff state for %s: %s", conversation_id, exc)
        return None


def keep_for_agent(conversation_id: str, text: str) -> Optional[str]:
    """While a ticket is open, keep the borrower's words for the agent (a paused Rasa
    conversation logs them but nobody would read them). And safer: the paused bot cannot
    answer, so self-harm talk while waiting makes the ticket urgent here and returns the
    help-line text for the channel to send at once.
    None: no open ticket; "": stored, nothing to say; otherwise the text to send."""
    if not text:
        return None
    try:
        queue = _queue()
        ticket = queue.open_ticket_for(conversation_id)
        if ticket is None:
            return None
        queue.add_message(ticket.id, "borrower", text)
        level = assess_message(text).level
        # A person already talking with the borrower, or a crisis already on the ticket:
        # the agent answers a possible crisis or a scam; we only keep the words and the
        # priority. Self-harm talk always gets the help lines at once.
        agent_has_it = ticket.status == "claimed" or ticket.category == "crisis"
        if level is not Level.CRISIS and agent_has_it:
            return ""
        if level is Level.CRISIS:
            queue.open_ticket(conversation_id, ticket.borrower_id, "urgent", "crisis", {})
            reply = response_text("utter_crisis_support")
        elif level is Level.POSSIBLE_CRISIS:
            queue.open_ticket(conversation_id, ticket.borrower_id, "high", "possible_crisis", {})
            reply = response_text("utter_possible_crisis_check")
        elif is_scam(text):  # a scammer calling while the borrower waits for us
            queue.open_ticket(conversation_id, ticket.borrower_id, "high", "scam", {})
            reply = "\n".join(response_text(name)
                              for name in ("utter_scam_warning", "utter_scam_what_to_do"))
        else:
            return ""
        queue.add_message(ticket.id, "bot", reply)
        return reply
    except Exception:  # the message still goes to Rasa, which logs it
        logger.exception("could not store the borrower message for the agent")
        return None
