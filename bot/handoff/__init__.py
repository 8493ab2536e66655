"""Human handoff: the ticket queue, the agent accounts and API, the case summary.

Everything outside this package uses `HandoffQueue` (queue.py); SqlHandoffQueue is ours.
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
