"""Plain data-access functions. Each takes a Session; the caller owns the transaction
(use db.session_scope). Only created_at stamps read the clock; anything that depends
on the date takes `today`.
"""
from __future__ import annotations

import secrets
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import List, Optional, Tuple, Union

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .models import (
    CASE_CATEGORIES,
    PLAN_KINDS,
    Account,
    Borrower,
    CaseRecord,
    ConversationOwner,
    PaymentPromise,
    PlanApplication,
    Reminder,
    Repayment,
)

DEMO_PREFIX = "demo-"
CENT = Decimal("0.01")
# No 0/O/1/I/L: references are read aloud and typed by borrowers.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

Number = Union[Decimal, int, str, float]


def to_money(value: Number) -> Decimal:
    """Decimal yuan rounded half-up to 0.01 (floats go through str to avoid binary noise)."""
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- borrowers and accounts -------------------------------------------------------

def get_borrower(session: Session, borrower_id: str) -> Optional[Borrower]:
    return session.get(Borrower, borrower_id)


def list_accounts(session: Session, borrower_id: str) -> List[Account]:
    stmt = (
        select(Account)
        .where(Account.borrower_id == borrower_id)
        .options(selectinload(Account.repayments))
        .order_by(Account.id)
    )
    return list(session.execute(stmt).scalars())


def get_account(
    session: Session, account_id: int, borrower_id: Optional[str] = None
) -> Optional[Account]:
    """The account, or None; with borrower_id, None unless it belongs to that borrower."""
    account = session.get(Account, account_id)
    if account is None or (borrower_id is not None and account.borrower_id != borrower_id):
        return None
    return account


def list_demo_borrowers(session: Session) -> List[Borrower]:
    stmt = (
        select(Borrower)
        .where(Borrower.id.startswith(DEMO_PREFIX))
        .options(selectinload(Borrower.accounts).selectinload(Account.repayments))
        .order_by(Borrower.id)
    )
    return list(session.execute(stmt).scalars())


def record_repayment(session: Session, account_id: int, amount: Number, paid_on: date) -> Repayment:
    row = Repayment(account_id=account_id, amount=to_money(amount), paid_on=paid_on)
    session.add(row)
    session.flush()
    return row


def repaid_since_statement(account: Account, today: date) -> Decimal:
    """Sum of repayments made from the statement date up to and including today."""
    total = sum(
        (Decimal(r.amount) for r in account.repayments
         if account.statement_date <= r.paid_on <= today),
        Decimal("0"),
    )
    return to_money(total)


def unpaid_minimum(account: Account, today: date) -> Decimal:
    """Minimum payment (loan: installment) still unpaid for the current bill, never < 0."""
    left = Decimal(account.minimum_payment) - repaid_since_statement(account, today)
    return to_money(max(left, Decimal("0")))


# --- plan applications ------------------------------------------------------------

def plan_dedupe_key(
    borrower_id: str, account_id: int, kind: str, months: Optional[int], days: Optional[int]
) -> str:
    return f"{borrower_id}|{account_id}|{kind}|m{months or 0}|d{days or 0}"


def new_reference(today: date) -> str:
    """e.g. "PA-20261123-7F3K2Q"."""
    suffix = "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
    return f"PA-{today:%Y%m%d}-{suffix}"


def find_plan_application(
    session: Session, borrower_id: str, account_id: int, kind: str,
    months: Optional[int] = None, days: Optional[int] = None,
) -> Optional[PlanApplication]:
    key = plan_dedupe_key(borrower_id, account_id, kind, months, days)
    stmt = select(PlanApplication).where(PlanApplication.dedupe_key == key)
    return session.execute(stmt).scalar_one_or_none()


def list_plan_applications(session: Session, borrower_id: str) -> List[PlanApplication]:
    stmt = (
        select(PlanApplication)
        .where(PlanApplication.borrower_id == borrower_id)
        .order_by(PlanApplication.created_at, PlanApplication.id)
    )
    return list(session.execute(stmt).scalars())


def submit_plan_application(
    session: Session,
    *,
    borrower_id: str,
    account_id: int,
    kind: str,
    today: date,
    months: Optional[int] = None,
    days: Optional[int] = None,
    monthly_payment: Optional[Number] = None,
    apr: Optional[Number] = None,
    total_repay: Optional[Number] = None,
    conversation_id: Optional[str] = None,
) -> Tuple[PlanApplication, bool]:
    """Store a submitted application; (row, created). Confirming the same plan
    (borrower, account, kind, months, days) again returns the first row, created=False."""
    if kind not in PLAN_KINDS:
        raise ValueError(f"unknown plan kind {kind!r}")
    account = get_account(session, account_id, borrower_id)
    if account is None:
        raise ValueError(f"account {account_id!r} does not belong to {borrower_id!r}")

    existing = find_plan_application(session, borrower_id, account_id, kind, months, days)
    if existing is not None:
        return existing, False

    row = PlanApplication(
        reference=new_reference(today),
        dedupe_key=plan_dedupe_key(borrower_id, account_id, kind, months, days),
        borrower_id=borrower_id,
        account_id=account_id,
        kind=kind,
        months=months,
        days=days,
        monthly_payment=None if monthly_payment is None else to_money(monthly_payment),
        apr=None if apr is None else Decimal(str(apr)).quantize(Decimal("0.000001"), ROUND_HALF_UP),
        total_repay=None if total_repay is None else to_money(total_repay),
        status="submitted",
        conversation_id=conversation_id,
    )
    # Savepoint: a concurrent double-click may insert the same key between our
    # select and insert; then the other row wins and the outer transaction survives.
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = find_plan_application(session, borrower_id, account_id, kind, months, days)
        if existing is None:  # a different constraint failed (e.g. reference clash)
            raise
        return existing, False
    return row, True


# --- promises, reminders, cases ---------------------------------------------------

def record_promise(
    session: Session,
    *,
    borrower_id: str,
    amount: Number,
    promised_on: date,
    account_id: Optional[int] = None,
    conversation_id: Optional[str] = None,
) -> PaymentPromise:
    if account_id is not None and get_account(session, account_id, borrower_id) is None:
        raise ValueError(f"account {account_id!r} does not belong to {borrower_id!r}")
    row = PaymentPromise(
        borrower_id=borrower_id,
        account_id=account_id,
        amount=to_money(amount),
        promised_on=promised_on,
        conversation_id=conversation_id,
    )
    session.add(row)
    session.flush()
    return row


def list_promises(session: Session, borrower_id: str) -> List[PaymentPromise]:
    stmt = (
        select(PaymentPromise)
        .where(PaymentPromise.borrower_id == borrower_id)
        .order_by(PaymentPromise.promised_on, PaymentPromise.id)
    )
    return list(session.execute(stmt).scalars())


def get_reminder(
    session: Session, borrower_id: str, account_id: Optional[int] = None
) -> Optional[Reminder]:
    stmt = select(Reminder).where(
        Reminder.borrower_id == borrower_id,
        Reminder.account_id.is_(None) if account_id is None else Reminder.account_id == account_id,
    )
    return session.execute(stmt).scalar_one_or_none()


def set_reminder(
    session: Session,
    *,
    borrower_id: str,
    days_before: int,
    account_id: Optional[int] = None,
) -> Reminder:
    """Create or update the one reminder per (borrower, account); account None = all."""
    if days_before < 0:
        raise ValueError("days_before must be >= 0")
    if account_id is not None and get_account(session, account_id, borrower_id) is None:
        raise ValueError(f"account {account_id!r} does not belong to {borrower_id!r}")
    row = get_reminder(session, borrower_id, account_id)
    if row is not None:
        row.days_before = days_before
        session.flush()
        return row
    row = Reminder(borrower_id=borrower_id, account_id=account_id, days_before=days_before)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # lost a race with an identical insert: update that one
        row = get_reminder(session, borrower_id, account_id)
        if row is None:
            raise
        row.days_before = days_before
        session.flush()
    return row


def record_case(
    session: Session,
    *,
    category: str,
    text: str,
    borrower_id: Optional[str] = None,
    conversation_id: Optional[str] = None,
) -> CaseRecord:
    if category not in CASE_CATEGORIES:
        raise ValueError(f"unknown case category {category!r}")
    row = CaseRecord(
        borrower_id=borrower_id, conversation_id=conversation_id, category=category, text=text
    )
    session.add(row)
    session.flush()
    return row


def case_reference(case: CaseRecord) -> str:
    """The number a borrower can quote, e.g. "CS-20261123-000042" (date and row id)."""
    return f"CS-{case.created_at:%Y%m%d}-{case.id:06d}"


# ---- who a conversation belongs to ----------------------------------------------------
def conversation_owner(session: Session, conversation_id: str) -> Optional[str]:
    row = session.get(ConversationOwner, conversation_id)
    return row.borrower_id if row else None


def claim_conversation(session: Session, conversation_id: str, borrower_id: str) -> str:
    """The conversation's owner after this call: the borrower, unless another borrower
    claimed it first (a primary key, so two racing claims cannot both win)."""
    owner = conversation_owner(session, conversation_id)
    if owner is not None:
        return owner
    try:
        with session.begin_nested():
            session.add(ConversationOwner(conversation_id=conversation_id,
                                          borrower_id=borrower_id))
    except IntegrityError:
        return conversation_owner(session, conversation_id) or borrower_id
    return borrower_id
