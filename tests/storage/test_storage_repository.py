"""Repository functions on a real database (SQLite file and PostgreSQL)."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage import db
from bot.storage import repository as repo
from bot.storage.models import (
    Account,
    Borrower,
    CaseRecord,
    PaymentPromise,
    PlanApplication,
    Reminder,
)

TODAY = date(2026, 11, 23)


def add_borrower(session, borrower_id="b-1", name="测试先生", accounts=1):
    borrower = Borrower(id=borrower_id, display_name=name)
    for i in range(accounts):
        borrower.accounts.append(Account(
            product="credit_card" if i % 2 == 0 else "consumer_loan",
            lender=f"测试银行{i}", label=f"尾号 100{i}",
            balance=Decimal("10000.55"), minimum_payment=Decimal("1000.00"),
            statement_date=TODAY - timedelta(days=30), due_date=TODAY - timedelta(days=10),
        ))
    session.add(borrower)
    session.commit()
    return borrower


def count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_borrower_and_accounts_round_trip(session, db_url):
    add_borrower(session, accounts=2)
    # A fresh session proves the values come back from the database, not the identity map.
    with Session(db.get_engine(db_url), future=True) as fresh:
        borrower = repo.get_borrower(fresh, "b-1")
        assert borrower.display_name == "测试先生"
        accounts = repo.list_accounts(fresh, "b-1")
        assert [a.label for a in accounts] == ["尾号 1000", "尾号 1001"]
        a = accounts[0]
        assert a.balance == Decimal("10000.55") and isinstance(a.balance, Decimal)
        assert a.statement_date == TODAY - timedelta(days=30) and isinstance(a.due_date, date)
        assert a.on_personalised_plan is False and a.last_extension_on is None
        assert repo.get_borrower(fresh, "nobody") is None
        assert repo.list_accounts(fresh, "nobody") == []
        assert repo.get_account(fresh, a.id, "b-1").id == a.id
        assert repo.get_account(fresh, a.id, "someone-else") is None


def test_money_is_rounded_half_up(session):
    add_borrower(session)
    account = repo.list_accounts(session, "b-1")[0]
    row = repo.record_promise(session, borrower_id="b-1", account_id=account.id,
                              amount="100.005", promised_on=TODAY)
    assert row.amount == Decimal("100.01")
    assert repo.to_money(2.675) == Decimal("2.68")  # float goes through str, no binary noise


def test_unpaid_minimum_counts_repayments_since_statement(session):
    add_borrower(session)
    account = repo.list_accounts(session, "b-1")[0]
    assert repo.unpaid_minimum(account, TODAY) == Decimal("1000.00")
    repo.record_repayment(session, account.id, "500", account.statement_date - timedelta(days=1))
    repo.record_repayment(session, account.id, "300.50", account.statement_date)
    repo.record_repayment(session, account.id, "100", TODAY + timedelta(days=1))  # future
    session.commit()
    session.expire_all()
    account = repo.list_accounts(session, "b-1")[0]
    assert repo.unpaid_minimum(account, TODAY) == Decimal("699.50")
    assert repo.unpaid_minimum(account, TODAY + timedelta(days=1)) == Decimal("599.50")
    repo.record_repayment(session, account.id, "5000", TODAY)
    session.commit()
    session.expire_all()
    assert repo.unpaid_minimum(repo.list_accounts(session, "b-1")[0], TODAY) == Decimal("0.00")


def test_plan_application_confirmed_twice_is_one_row(session, db_url):
    add_borrower(session)
    account_id = repo.list_accounts(session, "b-1")[0].id
    kwargs = dict(borrower_id="b-1", account_id=account_id, kind="installment", months=12,
                  monthly_payment="893.37", apr="0.1296", total_repay="10720.44",
                  conversation_id="conv-1", today=TODAY)
    first, created = repo.submit_plan_application(session, **kwargs)
    session.commit()
    assert created is True
    assert re.fullmatch(r"PA-20261123-[2-9A-HJKMNP-Z]{6}", first.reference)
    assert first.status == "submitted" and first.apr == Decimal("0.129600")

    # Same plan again, from a new request (new session) and even a new conversation.
    with db.session_scope(db_url) as other:
        again, created_again = repo.submit_plan_application(
            other, **{**kwargs, "conversation_id": "conv-2"})
        assert created_again is False and again.reference == first.reference
    assert count(session, PlanApplication) == 1

    # A different term is a different plan.
    _, created_24 = repo.submit_plan_application(session, **{**kwargs, "months": 24})
    session.commit()
    assert created_24 and count(session, PlanApplication) == 2


def test_extension_application_without_months_is_deduplicated(session):
    add_borrower(session)
    account_id = repo.list_accounts(session, "b-1")[0].id
    for _ in range(3):
        row, _ = repo.submit_plan_application(
            session, borrower_id="b-1", account_id=account_id, kind="extension", days=15,
            today=TODAY)
        session.commit()
    assert row.months is None and row.days == 15
    assert count(session, PlanApplication) == 1


def test_plan_application_race_keeps_outer_transaction(session, monkeypatch):
    """Another request inserted the same plan between our lookup and insert."""
    add_borrower(session)
    account_id = repo.list_accounts(session, "b-1")[0].id
    kwargs = dict(borrower_id="b-1", account_id=account_id, kind="personalised", months=60,
                  today=TODAY)
    existing, _ = repo.submit_plan_application(session, **kwargs)
    session.commit()

    real_find = repo.find_plan_application
    calls = []

    def stale_first_lookup(*args, **kw):
        calls.append(1)
        return None if len(calls) == 1 else real_find(*args, **kw)

    monkeypatch.setattr(repo, "find_plan_application", stale_first_lookup)
    repo.record_case(session, borrower_id="b-1", category="complaint", text="同一事务里的记录")
    row, created = repo.submit_plan_application(session, **kwargs)
    session.commit()
    assert created is False and row.id == existing.id
    assert count(session, PlanApplication) == 1
    assert count(session, CaseRecord) == 1  # the savepoint rolled back only the insert


def test_plan_application_checks_kind_and_owner(session):
    add_borrower(session, "b-1")
    add_borrower(session, "b-2")
    foreign_account = repo.list_accounts(session, "b-2")[0].id
    with pytest.raises(ValueError):
        repo.submit_plan_application(session, borrower_id="b-1", account_id=foreign_account,
                                     kind="installment", months=6, today=TODAY)
    with pytest.raises(ValueError):
        repo.submit_plan_application(session, borrower_id="b-2", account_id=foreign_account,
                                     kind="stop-interest", months=6, today=TODAY)


def test_reminder_upsert(session):
    add_borrower(session, accounts=2)
    a1, a2 = (a.id for a in repo.list_accounts(session, "b-1"))
    r = repo.set_reminder(session, borrower_id="b-1", account_id=a1, days_before=3)
    session.commit()
    r2 = repo.set_reminder(session, borrower_id="b-1", account_id=a1, days_before=1)
    session.commit()
    assert r2.id == r.id and r2.days_before == 1
    repo.set_reminder(session, borrower_id="b-1", account_id=a2, days_before=2)
    everything = repo.set_reminder(session, borrower_id="b-1", days_before=5)
    again = repo.set_reminder(session, borrower_id="b-1", account_id=None, days_before=7)
    session.commit()
    assert again.id == everything.id and again.days_before == 7
    assert count(session, Reminder) == 3
    assert repo.get_reminder(session, "b-1").days_before == 7
    with pytest.raises(ValueError):
        repo.set_reminder(session, borrower_id="b-1", days_before=-1)


def test_reminder_uniqueness_is_enforced_by_the_database(session):
    add_borrower(session)
    a1 = repo.list_accounts(session, "b-1")[0].id
    for account_id in (a1, None):
        session.add(Reminder(borrower_id="b-1", account_id=account_id, days_before=1))
        session.add(Reminder(borrower_id="b-1", account_id=account_id, days_before=2))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_record_promise_and_case(session):
    add_borrower(session)
    account_id = repo.list_accounts(session, "b-1")[0].id
    p = repo.record_promise(session, borrower_id="b-1", account_id=account_id, amount=Decimal("800"),
                            promised_on=TODAY + timedelta(days=5), conversation_id="c-9")
    repo.record_promise(session, borrower_id="b-1", amount=200, promised_on=TODAY)
    c = repo.record_case(session, borrower_id="b-1", conversation_id="c-9", category="dispute",
                         text="这笔借款不是我借的")
    anonymous = repo.record_case(session, category="fee_waiver", text="申请减免违约金")
    session.commit()
    assert p.amount == Decimal("800.00") and p.id is not None
    assert [x.amount for x in repo.list_promises(session, "b-1")] == [Decimal("200.00"),
                                                                       Decimal("800.00")]
    assert c.category == "dispute" and anonymous.borrower_id is None
    assert count(session, PaymentPromise) == 2 and count(session, CaseRecord) == 2
    with pytest.raises(ValueError):
        repo.record_case(session, category="threat", text="x")


def test_foreign_keys_and_checks_are_enforced(session):
    session.add(Account(borrower_id="ghost", product="credit_card", lender="x", label="y",
                        balance=1, minimum_payment=1, statement_date=TODAY, due_date=TODAY))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    add_borrower(session)
    session.add(Account(borrower_id="b-1", product="mortgage", lender="x", label="y",
                        balance=1, minimum_payment=1, statement_date=TODAY, due_date=TODAY))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_session_scope_commits_or_rolls_back(db_url):
    with db.session_scope(db_url) as s:
        s.add(Borrower(id="b-ok", display_name="甲"))
    with pytest.raises(RuntimeError):
        with db.session_scope(db_url) as s:
            s.add(Borrower(id="b-rolled-back", display_name="乙"))
            s.flush()
            raise RuntimeError("boom")
    with db.session_scope(db_url) as s:
        assert repo.get_borrower(s, "b-ok") is not None
        assert repo.get_borrower(s, "b-rolled-back") is None


def test_list_demo_borrowers_only_lists_demo_ids(session):
    add_borrower(session, "real-1")
    add_borrower(session, "demo-x")
    assert [b.id for b in repo.list_demo_borrowers(session)] == ["demo-x"]


def test_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/d")
    assert db.database_url() == "postgresql+psycopg2://u@h/d"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/x.sqlite")
    assert db.database_url() == "sqlite:////tmp/x.sqlite"
    monkeypatch.delenv("DATABASE_URL")
    url = db.database_url()
    assert url.startswith("sqlite:///") and url.endswith("var/bot.sqlite")
    assert db.get_engine("sqlite://") is db.get_engine("sqlite://")
    db.dispose_engine("sqlite://")
