"""ORM models. Money is NUMERIC(12, 2) (yuan, read back as Decimal); dates are Date."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

# Fixed constraint names so migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

PRODUCTS = ("credit_card", "consumer_loan", "online_credit")  # one per bot/policy/products/*.yml
PLAN_KINDS = ("installment", "personalised", "extension")
PLAN_STATUSES = ("submitted", "withdrawn", "approved", "declined")
# What a person at the bank must follow up; crisis and distress come from the care actions.
CASE_CATEGORIES = ("dispute", "complaint", "fee_waiver", "human", "distress", "crisis",
                   "possible_crisis", "scam")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ExactNumeric(TypeDecorator):
    """NUMERIC(p, s) that always reads back as a Decimal rounded half-up to `scale`.

    SQLite has no decimal type and stores REAL; SQLAlchemy's own conversion warns about
    that. Values here have at most 12 digits, well inside a float's 15, so reading the
    float and converting through str is exact.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision=precision, scale=scale)
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(
                Numeric(self.impl.precision, self.impl.scale, asdecimal=False)
            )
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return self._round(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self._round(value)

    def _round(self, value) -> Decimal:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return value.quantize(self._quantum, rounding=ROUND_HALF_UP)


def _money(**kw):
    return Column(ExactNumeric(12, 2), **kw)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Borrower(Base):
    __tablename__ = "borrowers"

    id = Column(String(64), primary_key=True)  # e.g. "demo-current"
    display_name = Column(String(64), nullable=False)  # e.g. "王先生"
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)

    accounts = relationship(
        "Account", back_populates="borrower", order_by="Account.id",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Borrower({self.id!r}, {self.display_name!r})"


class Account(Base):
    """One card or loan. statement_date/due_date describe the oldest unpaid bill."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(_in("product", PRODUCTS), name="product"),
        UniqueConstraint("borrower_id", "lender", "label"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    product = Column(String(32), nullable=False)  # one of PRODUCTS
    lender = Column(String(64), nullable=False)  # e.g. "星河银行信用卡"
    label = Column(String(64), nullable=False)  # e.g. "尾号 6621"
    balance = _money(nullable=False)  # whole outstanding balance
    minimum_payment = _money(nullable=False)  # minimum (card) / installment (loan) of this bill
    statement_date = Column(Date, nullable=False)
    due_date = Column(Date, nullable=False)
    last_extension_on = Column(Date, nullable=True)
    on_personalised_plan = Column(Boolean, nullable=False, default=False)

    borrower = relationship("Borrower", back_populates="accounts")
    repayments = relationship(
        "Repayment", back_populates="account", order_by="Repayment.paid_on",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Account({self.id!r}, {self.lender!r}, {self.label!r})"


class Repayment(Base):
    __tablename__ = "repayments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    account_id = Column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount = _money(nullable=False)
    paid_on = Column(Date, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)

    account = relationship("Account", back_populates="repayments")


class PlanApplication(Base):
    """An application prepared by the assistant; the lender decides (domain.md §4)."""

    __tablename__ = "plan_applications"
    __table_args__ = (
        CheckConstraint(_in("kind", PLAN_KINDS), name="kind"),
        CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
        # Same borrower+account+kind+months+days = same plan: confirming twice keeps one row.
        # A single key column because NULL months/days would never collide in a
        # multi-column unique constraint.
        UniqueConstraint("dedupe_key"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(32), nullable=False, unique=True)  # "PA-20261123-7F3K2Q"
    dedupe_key = Column(String(160), nullable=False)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    account_id = Column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(String(16), nullable=False)
    months = Column(Integer, nullable=True)  # installment / personalised
    days = Column(Integer, nullable=True)  # extension
    monthly_payment = _money(nullable=True)
    apr = Column(ExactNumeric(8, 6), nullable=True)  # fraction, e.g. 0.129600
    total_repay = _money(nullable=True)
    status = Column(String(16), nullable=False, default="submitted")
    conversation_id = Column(String(128), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)

    borrower = relationship("Borrower")
    account = relationship("Account")


class PaymentPromise(Base):
    __tablename__ = "payment_promises"

    id = Column(Integer, primary_key=True, autoincrement=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    account_id = Column(Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True)
    amount = _money(nullable=False)
    promised_on = Column(Date, nullable=False)
    conversation_id = Column(String(128), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)


class Reminder(Base):
    """Due-date reminder; account_id NULL means "all my accounts"."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("borrower_id", "account_id"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False
    )
    account_id = Column(Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True)
    days_before = Column(Integer, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    updated_at = Column(
        DateTime(timezone=True), nullable=False, default=_utcnow, onupdate=_utcnow
    )


# NULLs never collide in the unique constraint above, so "all accounts" needs its own
# partial unique index.
Index(
    "uq_reminders_borrower_id_all_accounts",
    Reminder.borrower_id,
    unique=True,
    sqlite_where=Reminder.account_id.is_(None),
    postgresql_where=Reminder.account_id.is_(None),
)


class CaseRecord(Base):
    """A dispute, complaint or fee-waiver request handed to a human."""

    __tablename__ = "case_records"
    __table_args__ = (CheckConstraint(_in("category", CASE_CATEGORIES), name="category"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    borrower_id = Column(
        String(64), ForeignKey("borrowers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    conversation_id = Column(String(128), nullable=True)
    category = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)


# ----------------------------------------------------------------------- human handoff

HANDOFF_PRIORITIES = ("urgent", "high", "normal")  # most urgent first
HANDOFF_CATEGORIES = ("crisis", "possible_crisis", "distress", "human", "dispute", "complaint",
                      "fee_waiver", "fallback", "scam")
TICKET_STATUSES = ("waiting", "claimed", "resolved")
MESSAGE_SENDERS = ("borrower", "agent", "bot", "system")


class JSONText(TypeDecorator):
    """A JSON document stored as TEXT: same column on SQLite and PostgreSQL, and the
    case summary is only ever read whole."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return None
        return json.loads(value)


AGENT_ROLES = ("agent", "editor")  # agent console / review page; one role per account


class Agent(Base):
    """A person at the bank who signs in: an agent takes over conversations (the agent
    console's user); an editor (role "editor") works the review queue (/review/)."""

    __tablename__ = "agents"
    __table_args__ = (CheckConstraint(_in("role", AGENT_ROLES), name="role"),)

    id = Column(String(32), primary_key=True)  # e.g. "agent-1", "editor-1"
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    password_hash = Column(String(255), nullable=False)  # see bot.handoff.agents
    active = Column(Boolean, nullable=False, default=True)
    role = Column(String(16), nullable=False, default="agent", server_default="agent")
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)

    def __repr__(self) -> str:
        return f"Agent({self.id!r}, {self.username!r})"


class Ticket(Base):
    """One handoff of a conversation to a person: waiting -> claimed -> resolved."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("priority", HANDOFF_PRIORITIES), name="priority"),
        CheckConstraint(_in("category", HANDOFF_CATEGORIES), name="category"),
        CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    # No foreign key: a borrower in crisis gets a ticket even if the id is unknown here.
    borrower_id = Column(String(64), nullable=True, index=True)
    priority = Column(String(8), nullable=False)
    category = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="waiting")
    summary = Column(JSONText(), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    claimed_at = Column(DateTime(timezone=True), nullable=True)
    resolved_at = Column(DateTime(timezone=True), nullable=True)
    agent_id = Column(
        String(32), ForeignKey("agents.id", ondelete="SET NULL"), nullable=True, index=True
    )
    outcome = Column(Text, nullable=True)

    agent = relationship("Agent")


# At most one open ticket per conversation; the code checks too, this makes two racing
# handoffs of the same conversation collide instead of opening two tickets.
Index(
    "uq_tickets_conversation_id_open",
    Ticket.conversation_id,
    unique=True,
    sqlite_where=Ticket.status != "resolved",
    postgresql_where=Ticket.status != "resolved",
)


class TicketMessage(Base):
    """What was said while the conversation was with a person."""

    __tablename__ = "ticket_messages"
    __table_args__ = (CheckConstraint(_in("sender", MESSAGE_SENDERS), name="sender"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sender = Column(String(16), nullable=False)
    agent_id = Column(String(32), ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)


class ConversationOwner(Base):
    """The borrower a conversation belongs to: the first one who wrote in it with a valid
    token. Nobody else (and no message without a token) writes into it again."""

    __tablename__ = "conversation_owners"

    conversation_id = Column(String(128), primary_key=True)
    borrower_id = Column(String(64), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)


# ----------------------------------------------------------------------- missed messages

REVIEW_REASONS = ("low_confidence", "fallback", "correction", "handoff_after_fallback")
REVIEW_STATUSES = ("new", "labelled", "new_intent", "dismissed")


class ReviewItem(Base):
    """A message the assistant missed, kept for an editor to label (bot.review.store).
    `text` is masked before it is stored: it never holds phone, ID or card numbers."""

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(_in("reason", REVIEW_REASONS), name="reason"),
        CheckConstraint(_in("status", REVIEW_STATUSES), name="status"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_utcnow)
    text = Column(Text, nullable=False)  # masked
    reason = Column(String(32), nullable=False)  # one of REVIEW_REASONS
    intent = Column(String(128), nullable=True)  # what the assistant predicted
    confidence = Column(Numeric(6, 5, asdecimal=False), nullable=True)  # 0..1
    status = Column(String(16), nullable=False, default="new", index=True)
    label = Column(String(128), nullable=True)  # intent chosen (or proposed) by an editor
    editor = Column(String(64), nullable=True)
    labelled_at = Column(DateTime(timezone=True), nullable=True)
