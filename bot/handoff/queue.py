"""The handoff queue as seen by the bot, the channels and the agent API.

A Protocol rather than a base class, so a desk product (Chatwoot, a CRM) can stand in for
our SQL tables: everything outside bot/handoff talks to `HandoffQueue` only and gets plain
records (`Ticket`, `Message`), never ORM rows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Protocol, Tuple, runtime_checkable

from .hours import CATEGORIES, PRIORITIES

STATUSES = ("waiting", "claimed", "resolved")
SENDERS = ("borrower", "agent", "bot", "system")
# Lower rank = served first.
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}


class HandoffError(Exception):
    """Base class: the request does not fit the ticket's state."""


class TicketNotFound(HandoffError, LookupError):
    pass


class NotTicketHolder(HandoffError, PermissionError):
    """Only the agent who claimed a ticket may answer or close it."""


class TicketClosed(HandoffError):
    """The ticket is already resolved."""


def utc(dt: Optional[datetime]) -> Optional[datetime]:
    """Aware UTC datetime (SQLite gives naive values back; they were stored as UTC)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


@dataclass(frozen=True)
class Ticket:
    id: Any  # int for our SQL queue; a desk product may use strings
    conversation_id: str
    borrower_id: Optional[str]
    priority: str
    category: str
    status: str
    summary: Dict[str, Any] = field(default_factory=dict)
    created_at: Optional[datetime] = None
    claimed_at: Optional[datetime] = None
    resolved_at: Optional[datetime] = None
    agent_id: Optional[str] = None
    agent_name: Optional[str] = None  # display name of agent_id, for "客服 X 已接入"
    outcome: Optional[str] = None

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"

    def waiting_seconds(self, now: Optional[datetime] = None) -> int:
        """Seconds the borrower waited (so far, or until an agent claimed it)."""
        end = utc(self.claimed_at) or utc(now) or datetime.now(timezone.utc)
        return max(0, int((end - utc(self.created_at)).total_seconds()))

    def as_json(self) -> Dict[str, Any]:
        data = asdict(self)
        for key in ("created_at", "claimed_at", "resolved_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class Message:
    id: Any
    ticket_id: Any
    sender: str  # "borrower" | "agent" | "bot" | "system"
    text: str
    created_at: datetime
    agent_id: Optional[str] = None

    def as_json(self) -> Dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


def higher_priority(a: str, b: str) -> str:
    return a if PRIORITY_RANK[a] <= PRIORITY_RANK[b] else b


def check_values(priority: str, category: str) -> None:
    if priority not in PRIORITY_RANK:
        raise ValueError(f"unknown priority {priority!r} (one of {PRIORITIES})")
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r} (one of {CATEGORIES})")


@runtime_checkable
class HandoffQueue(Protocol):
    def open_ticket(
        self,
        conversation_id: str,
        borrower_id: Optional[str],
        priority: str,
        category: str,
        summary: Optional[Dict[str, Any]] = None,
    ) -> Ticket:
        """Idempotent per conversation: the open ticket is returned if there is one, its
        priority raised when the new one is higher, its category replaced only by crisis
        and its summary by a newer non-empty one."""

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        ...

    def get(self, ticket_id) -> Optional[Ticket]:
        ...

    def list_queue(self, include_claimed: bool = True) -> List[Ticket]:
        """Open tickets: urgent, high, normal, then longest waiting first."""

    def position(self, ticket_id) -> Tuple[int, int]:
        """(place among waiting tickets, 1 = next; expected wait in minutes); (0, 0) when
        the ticket is not waiting."""

    def claim(self, ticket_id, agent_id: str) -> Optional[Ticket]:
        """Atomic: exactly one agent gets a waiting ticket; None for everyone else
        (a repeated claim by the holder returns the ticket). TicketNotFound if unknown."""

    def add_message(self, ticket_id, sender: str, text: str,
                    agent_id: Optional[str] = None) -> Message:
        ...

    def messages(self, ticket_id) -> List[Message]:
        ...

    def resolve(self, ticket_id, agent_id: str, outcome: str) -> Ticket:
        """Only the holder: NotTicketHolder otherwise, TicketNotFound if unknown."""
