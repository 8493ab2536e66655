"""Persistence: SQLAlchemy models, plain repository functions, Alembic migrations
and the demo data set. See db.py for the database URL rules."""
from .db import database_url, get_engine, session_scope, upgrade_to_head
from .models import (
    Account,
    Base,
    Borrower,
    CaseRecord,
    PaymentPromise,
    PlanApplication,
    Reminder,
    Repayment,
)

__all__ = [
    "database_url", "get_engine", "session_scope", "upgrade_to_head",
    "Base", "Borrower", "Account", "Repayment", "PlanApplication", "PaymentPromise",
    "Reminder", "CaseRecord",
]
