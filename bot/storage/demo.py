"""Demo borrowers for local runs, tests and the web demo.

All names and lenders are fictional. Dates are relative to `today`, so each borrower
stays in the same overdue stage whenever the demo is (re)seeded:
    demo-current   not overdue                 demo-m3       ~75 days (M3)
    demo-grace     2 days late, inside 容时    demo-m6plus   >180 days (status 7)
    demo-m1        ~20 days (M1), part paid    demo-multi    4 accounts, 4 lenders (three products)
    demo-onplan    already on a personalised plan, with a submitted application
    demo-online    online consumer credit (花呗/借呗 kind), ~12 days (M1)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import List, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import (
    Account,
    Borrower,
    CaseRecord,
    PaymentPromise,
    PlanApplication,
    Reminder,
    Repayment,
)
from .repository import DEMO_PREFIX, new_reference, plan_dedupe_key, to_money

STAR = "星河银行信用卡"
HILL = "远山银行信用卡"
GREEN = "青禾消费金融"
CLOUD = "云朵信用付"


@dataclass(frozen=True)
class DemoAccount:
    product: str
    lender: str
    label: str
    balance: str
    minimum_payment: str
    days_late: int  # due_date = today - days_late (negative: due in the future)
    # (days after the statement date, amount) partial repayments
    repayments: Tuple[Tuple[int, str], ...] = ()
    on_personalised_plan: bool = False

    def statement_date(self, today: date) -> date:
        # Cards: bill ~20 days before the due date (免息期); loans and online credit: ~10 days.
        lead = 20 if self.product == "credit_card" else 10
        return self.due_date(today) - timedelta(days=lead)

    def due_date(self, today: date) -> date:
        return today - timedelta(days=self.days_late)


@dataclass(frozen=True)
class DemoBorrower:
    id: str
    display_name: str
    story: str  # for humans reading the demo list; never shown to the borrower
    accounts: Tuple[DemoAccount, ...] = field(default_factory=tuple)


DEMO_BORROWERS: Tuple[DemoBorrower, ...] = (
    DemoBorrower("demo-current", "王先生", "not overdue; asks about fees and installments", (
        DemoAccount("credit_card", STAR, "尾号 6621", "8650.00", "865.00", -12),
    )),
    DemoBorrower("demo-grace", "李女士", "forgot the due date; 2 days late, inside grace", (
        DemoAccount("credit_card", HILL, "尾号 3408", "5320.00", "532.00", 2),
    )),
    DemoBorrower("demo-m1", "张先生", "income dropped; ~20 days late, paid part", (
        DemoAccount("credit_card", STAR, "尾号 1187", "12400.00", "1240.00", 20,
                    repayments=((5, "340.00"),)),
    )),
    DemoBorrower("demo-m3", "陈女士", "consumer loan ~75 days late", (
        DemoAccount("consumer_loan", GREEN, "借款合同尾号 5209", "28600.00", "2650.00", 75),
    )),
    DemoBorrower("demo-m6plus", "刘先生", "more than 180 days late; personalised plan candidate", (
        DemoAccount("credit_card", HILL, "尾号 8840", "46500.00", "4650.00", 200),
    )),
    DemoBorrower("demo-multi", "赵女士", "several debts at different lenders and stages", (
        DemoAccount("credit_card", STAR, "尾号 2290", "6200.00", "620.00", -6),
        DemoAccount("credit_card", HILL, "尾号 7715", "15800.00", "1580.00", 40),
        DemoAccount("consumer_loan", GREEN, "借款合同尾号 3061", "20000.00", "1860.00", 12),
        DemoAccount("online_credit", CLOUD, "账户尾号 8826", "3600.00", "620.00", 1),
    )),
    DemoBorrower("demo-onplan", "孙先生", "already on a personalised plan (application submitted)", (
        DemoAccount("credit_card", STAR, "尾号 5032", "31200.00", "880.00", -10,
                    on_personalised_plan=True),
    )),
    DemoBorrower("demo-online", "周女士", "online consumer credit, installments, ~12 days late", (
        DemoAccount("online_credit", CLOUD, "账户尾号 4417", "4800.00", "860.00", 12),
    )),
)

DEMO_IDS = tuple(b.id for b in DEMO_BORROWERS)

# The submitted personalised application of demo-onplan (36 × ¥880 for ¥31,200).
_ONPLAN_APPLICATION = dict(
    kind="personalised", months=36, monthly_payment=Decimal("880.00"),
    apr=Decimal("0.009931"), total_repay=Decimal("31680.00"), applied_days_ago=30,
)


def _delete_demo_rows(session: Session) -> None:
    """Remove every demo-* borrower and what hangs off it (children first, so this
    works whether or not the database enforces ON DELETE CASCADE)."""
    demo_borrower = Borrower.id.startswith(DEMO_PREFIX)
    demo_ids = select(Borrower.id).where(demo_borrower).scalar_subquery()
    account_ids = select(Account.id).where(Account.borrower_id.in_(demo_ids)).scalar_subquery()
    for model in (Reminder, PaymentPromise, PlanApplication):
        session.execute(
            delete(model).where(model.borrower_id.in_(demo_ids)).execution_options(
                synchronize_session=False)
        )
    session.execute(
        delete(CaseRecord).where(CaseRecord.borrower_id.in_(demo_ids)).execution_options(
            synchronize_session=False)
    )
    session.execute(
        delete(Repayment).where(Repayment.account_id.in_(account_ids)).execution_options(
            synchronize_session=False)
    )
    session.execute(
        delete(Account).where(Account.borrower_id.in_(demo_ids)).execution_options(
            synchronize_session=False)
    )
    session.execute(delete(Borrower).where(demo_borrower).execution_options(
        synchronize_session=False))
    session.expunge_all()


def _add_borrower(session: Session, spec: DemoBorrower, today: date) -> Borrower:
    borrower = Borrower(id=spec.id, display_name=spec.display_name)
    session.add(borrower)
    for a in spec.accounts:
        statement = a.statement_date(today)
        account = Account(
            product=a.product,
            lender=a.lender,
            label=a.label,
            balance=to_money(a.balance),
            minimum_payment=to_money(a.minimum_payment),
            statement_date=statement,
            due_date=a.due_date(today),
            last_extension_on=None,
            on_personalised_plan=a.on_personalised_plan,
        )
        for days_after, amount in a.repayments:
            account.repayments.append(
                Repayment(amount=to_money(amount), paid_on=statement + timedelta(days=days_after))
            )
        borrower.accounts.append(account)
    session.flush()

    if spec.id == "demo-onplan":
        app = _ONPLAN_APPLICATION
        applied_on = today - timedelta(days=app["applied_days_ago"])
        account = borrower.accounts[0]
        session.add(PlanApplication(
            reference=new_reference(applied_on),
            dedupe_key=plan_dedupe_key(spec.id, account.id, app["kind"], app["months"], None),
            borrower_id=spec.id,
            account_id=account.id,
            kind=app["kind"],
            months=app["months"],
            monthly_payment=app["monthly_payment"],
            apr=app["apr"],
            total_repay=app["total_repay"],
            status="submitted",
            conversation_id="demo-seed",
            created_at=datetime.combine(applied_on, time(10, 0), tzinfo=timezone.utc),
        ))
        session.flush()
    return borrower


def seed_demo(session: Session, today: date, reset: bool = False) -> List[str]:
    """Add the demo borrowers that are missing; with reset=True first delete every
    demo-* borrower (and their plans, promises, reminders, cases) so all dates are
    recomputed from `today`. Returns the ids created. Caller commits."""
    if reset:
        _delete_demo_rows(session)
    existing = set(
        session.execute(select(Borrower.id).where(Borrower.id.in_(DEMO_IDS))).scalars()
    )
    created = []
    for spec in DEMO_BORROWERS:
        if spec.id not in existing:
            _add_borrower(session, spec, today)
            created.append(spec.id)
    return created


def demo_is_stale(session: Session, today: date) -> bool:
    """True when the demo accounts were seeded on another day (their stages have drifted)."""
    spec = DEMO_BORROWERS[0]
    account = session.execute(
        select(Account).where(Account.borrower_id == spec.id).order_by(Account.id)
    ).scalars().first()
    return account is not None and account.due_date != spec.accounts[0].due_date(today)


def demo_spec(borrower_id: str) -> Optional[DemoBorrower]:
    return next((b for b in DEMO_BORROWERS if b.id == borrower_id), None)
