"""HandoffQueue on our own database (bot.storage): one Session per call."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, List, Optional, Tuple

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.storage import models as m
from bot.storage.db import session_scope

from . import hours
from .hours import PRIORITIES
from .queue import (
    PRIORITY_RANK,
    SENDERS,
    HandoffError,
    Message,
    NotTicketHolder,
    Ticket,
    TicketNotFound,
    check_values,
    utc,
)

Clock = Callable[[], datetime]

_OPEN = m.Ticket.status != "resolved"
_RANK = case(
    *[(m.Ticket.priority == p, i) for i, p in enumerate(PRIORITIES)], else_=len(PRIORITIES)
)
# Queue order: priority, then longest waiting; id breaks ties of equal timestamps.
_QUEUE_ORDER = (_RANK, m.Ticket.created_at, m.Ticket.id)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _ticket_id(raw) -> int:
    """Our ticket ids are integers; anything else names no ticket."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise TicketNotFound(raw) from None


def to_ticket(row: m.Ticket) -> Ticket:
    return Ticket(
        id=row.id,
        conversation_id=row.conversation_id,
        borrower_id=row.borrower_id,
        priority=row.priority,
        category=row.category,
        status=row.status,
        summary=dict(row.summary or {}),
        created_at=utc(row.created_at),
        claimed_at=utc(row.claimed_at),
        resolved_at=utc(row.resolved_at),
        agent_id=row.agent_id,
        agent_name=row.agent.display_name if row.agent is not None else None,
        outcome=row.outcome,
    )


def to_message(row: m.TicketMessage) -> Message:
    return Message(id=row.id, ticket_id=row.ticket_id, sender=row.sender, text=row.text,
                   created_at=utc(row.created_at), agent_id=row.agent_id)


class SqlHandoffQueue:
    """Tickets in the `tickets` / `ticket_messages` tables. `url` None = DATABASE_URL."""

    def __init__(self, url: Optional[str] = None, clock: Optional[Clock] = None,
                 settings: Optional[hours.HandoffSettings] = None) -> None:
        self.url = url
        self.clock = clock or _utcnow
        self.settings = settings

    # ------------------------------------------------------------------ opening

    def open_ticket(self, conversation_id, borrower_id, priority, category, summary=None) -> Ticket:
        check_values(priority, category)
        if not conversation_id:
            raise ValueError("conversation_id is required")
        # Insert first and let the partial unique index catch an open ticket: correct
        # under races, and on SQLite a transaction that writes first never deadlocks.
        for _ in range(3):
            with session_scope(self.url) as session:
                try:
                    with session.begin_nested():
                        row = m.Ticket(
                            conversation_id=conversation_id, borrower_id=borrower_id,
                            priority=priority, category=category, status="waiting",
                            summary=summary or {}, created_at=self.clock(),
                        )
                        session.add(row)
                        session.flush()
                    return to_ticket(row)
                except IntegrityError:
                    pass
                row = self._open_row(session, conversation_id)
                if row is None:  # resolved meanwhile: a new ticket is right after all
                    continue
                self._merge(session, row, borrower_id, priority, category, summary)
                return to_ticket(self._open_row(session, conversation_id))
        raise HandoffError(f"could not open a ticket for {conversation_id!r}")

    @staticmethod
    def _merge(session: Session, row: m.Ticket, borrower_id, priority, category, summary) -> None:
        ticket = m.Ticket.__table__.c
        # Only ever upwards, in one conditional UPDATE, so racing escalations cannot lower it.
        lower = PRIORITIES[PRIORITY_RANK[priority] + 1:]
        if lower:
            session.execute(
                update(m.Ticket.__table__)
                .where(ticket.id == row.id, ticket.priority.in_(lower))
                .values(priority=priority)
            )
        values = {}
        if category == "crisis":
            values["category"] = "crisis"
        if summary:
            values["summary"] = summary  # built later, from a longer conversation
        if borrower_id and not row.borrower_id:
            values["borrower_id"] = borrower_id
        if values:
            session.execute(update(m.Ticket.__table__).where(ticket.id == row.id).values(**values))
        session.expire_all()

    @staticmethod
    def _open_row(session: Session, conversation_id: str) -> Optional[m.Ticket]:
        return session.execute(
            select(m.Ticket).options(selectinload(m.Ticket.agent))
            .where(m.Ticket.conversation_id == conversation_id, _OPEN)
        ).scalar_one_or_none()

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        with session_scope(self.url) as session:
            row = self._open_row(session, conversation_id)
            return to_ticket(row) if row is not None else None

    def get(self, ticket_id) -> Optional[Ticket]:
        with session_scope(self.url) as session:
            row = self._row(session, ticket_id)
            return to_ticket(row) if row is not None else None

    @staticmethod
    def _row(session: Session, ticket_id) -> Optional[m.Ticket]:
        try:
            ticket_id = int(ticket_id)
        except (TypeError, ValueError):
            return None
        return session.get(m.Ticket, ticket_id, options=[selectinload(m.Ticket.agent)])

    # ------------------------------------------------------------------- queue

    def list_queue(self, include_claimed: bool = True) -> List[Ticket]:
        stmt = select(m.Ticket).options(selectinload(m.Ticket.agent)).order_by(*_QUEUE_ORDER)
        if include_claimed:
            stmt = stmt.where(_OPEN)
        else:
            stmt = stmt.where(m.Ticket.status == "waiting")
        with session_scope(self.url) as session:
            return [to_ticket(row) for row in session.execute(stmt).scalars()]

    def position(self, ticket_id) -> Tuple[int, int]:
        with session_scope(self.url) as session:
            row = self._row(session, ticket_id)
            if row is None:
                raise TicketNotFound(ticket_id)
            if row.status != "waiting":
                return 0, 0
            ids = session.execute(
                select(m.Ticket.id).where(m.Ticket.status == "waiting").order_by(*_QUEUE_ORDER)
            ).scalars().all()
        place = ids.index(row.id) + 1
        return place, hours.expected_wait_minutes(place, self.settings)

    # ---------------------------------------------------------------- agents

    def claim(self, ticket_id, agent_id: str) -> Optional[Ticket]:
        ticket = m.Ticket.__table__.c
        with session_scope(self.url) as session:
            ticket_id = _ticket_id(ticket_id)
            # The whole claim is this one statement: the database lets exactly one
            # UPDATE see status='waiting'; every other agent's UPDATE matches no row.
            result = session.execute(
                update(m.Ticket.__table__)
                .where(ticket.id == ticket_id, ticket.status == "waiting")
                .values(status="claimed", agent_id=agent_id, claimed_at=self.clock())
            )
            row = self._row(session, ticket_id)
            if row is None:
                raise TicketNotFound(ticket_id)
            if result.rowcount == 1 or (row.status == "claimed" and row.agent_id == agent_id):
                return to_ticket(row)
            return None

    def add_message(self, ticket_id, sender: str, text: str, agent_id: Optional[str] = None) -> Message:
        if sender not in SENDERS:
            raise ValueError(f"unknown sender {sender!r} (one of {SENDERS})")
        if not text or not str(text).strip():
            raise ValueError("text is required")
        with session_scope(self.url) as session:
            if self._row(session, ticket_id) is None:
                raise TicketNotFound(ticket_id)
            row = m.TicketMessage(ticket_id=int(ticket_id), sender=sender, text=str(text),
                                  agent_id=agent_id, created_at=self.clock())
            session.add(row)
            session.flush()
            return to_message(row)

    def messages(self, ticket_id) -> List[Message]:
        with session_scope(self.url) as session:
            if self._row(session, ticket_id) is None:
                raise TicketNotFound(ticket_id)
            rows = session.execute(
                select(m.TicketMessage).where(m.TicketMessage.ticket_id == int(ticket_id))
                .order_by(m.TicketMessage.created_at, m.TicketMessage.id)
            ).scalars()
            return [to_message(r) for r in rows]

    def resolve(self, ticket_id, agent_id: str, outcome: str) -> Ticket:
        ticket = m.Ticket.__table__.c
        with session_scope(self.url) as session:
            ticket_id = _ticket_id(ticket_id)
            # Write first (as in claim): only the holder's UPDATE matches.
            result = session.execute(
                update(m.Ticket.__table__)
                .where(ticket.id == ticket_id, ticket.status == "claimed",
                       ticket.agent_id == agent_id)
                .values(status="resolved", outcome=outcome, resolved_at=self.clock())
            )
            row = self._row(session, ticket_id)
            if row is None:
                raise TicketNotFound(ticket_id)
            if result.rowcount == 1:
                return to_ticket(row)
            if row.status == "resolved" and row.agent_id == agent_id:
                return to_ticket(row)  # a retried request: already done
            raise NotTicketHolder(ticket_id)
