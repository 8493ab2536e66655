"""Human handoff: the ticket queue and its messages, pause and resume, the agent accounts and
API, the case summary, and the hub that pushes to agents' and borrowers' sockets (hub.py).

The borrower's channels call borrower_side.py only (keep the words for the agent, the handoff
state, the ticket messages for the history); other code uses `HandoffQueue` (queue.py);
SqlHandoffQueue is ours. Tracker events become a transcript in transcript.py alone.
This package imports nothing from bot.channels (tests/test_layers.py).
"""
from .hours import is_open, next_opening, priority_for
from .queue import (
    HandoffError,
    HandoffQueue,
    Message,
    NotTicketHolder,
    Ticket,
    TicketClosed,
    TicketNotFound,
)
from .sql_queue import SqlHandoffQueue
from .summary import build_case_summary

__all__ = [
    "HandoffError",
    "HandoffQueue",
    "Message",
    "NotTicketHolder",
    "SqlHandoffQueue",
    "Ticket",
    "TicketClosed",
    "TicketNotFound",
    "build_case_summary",
    "is_open",
    "next_opening",
    "priority_for",
]
