"""Demo data: idempotent, dates relative to `today`, a spread of overdue stages."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.storage import repository as repo
from bot.storage.demo import DEMO_BORROWERS, DEMO_IDS, seed_demo
from bot.storage.models import Account, Borrower, PlanApplication, Repayment

TODAY = date(2026, 11, 23)


def plain_days_overdue(account, today):
    """Days past due while part of the minimum is unpaid (no product rules)."""
    if repo.unpaid_minimum(account, today) <= 0:
        return 0
    return max((today - account.due_date).days, 0)


def overdue_by_borrower(session, today):
    return {
        b.id: [plain_days_overdue(a, today) for a in b.accounts]
        for b in repo.list_demo_borrowers(session)
    }


def counts(session):
    return tuple(
        session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (Borrower, Account, Repayment, PlanApplication)
    )


def test_seed_is_idempotent(session):
    assert seed_demo(session, TODAY) == list(DEMO_IDS)
    session.commit()
    before = counts(session)
    assert seed_demo(session, TODAY + timedelta(days=3)) == []
    session.commit()
    assert counts(session) == before
    assert len(DEMO_IDS) >= 6 and before[0] == len(DEMO_IDS)


def test_seed_adds_only_missing_borrowers(session):
    seed_demo(session, TODAY)
    session.commit()
    session.delete(repo.get_borrower(session, "demo-m3"))
    session.commit()
    assert seed_demo(session, TODAY) == ["demo-m3"]
    session.commit()
    assert counts(session)[0] == len(DEMO_IDS)


def test_stage_spread(session):
    seed_demo(session, TODAY)
    session.commit()
    days = overdue_by_borrower(session, TODAY)
    assert days["demo-current"] == [0]
    assert days["demo-grace"] == [2]
    assert 15 <= days["demo-m1"][0] <= 30
    assert 61 <= days["demo-m3"][0] <= 90
    assert days["demo-m6plus"][0] > 180
    multi = days["demo-multi"]
    assert len(multi) == 4 and len(set(multi)) == 4
    assert days["demo-onplan"] == [0]


def test_stage_spread_with_product_policy(session):
    import bot.policy as policy
    seed_demo(session, TODAY)
    session.commit()
    stages = {}
    for b in repo.list_demo_borrowers(session):
        stages[b.id] = []
        for a in b.accounts:
            p = policy.load_policy(a.product)
            d = policy.days_overdue(a.due_date, TODAY, repo.unpaid_minimum(a, TODAY), p)
            stages[b.id].append(policy.stage_for(d, p).code)
    assert stages["demo-current"] == ["current"]
    assert stages["demo-grace"] == ["grace"]
    assert stages["demo-m1"] == ["M1"]
    assert stages["demo-m3"] == ["M3"]
    assert stages["demo-m6plus"] == ["M3+"]
    assert sorted(stages["demo-multi"]) == ["M1", "M2", "current", "grace"]
    assert stages["demo-onplan"] == ["current"]


def test_demo_multi_has_four_lenders_and_every_product(session):
    seed_demo(session, TODAY)
    session.commit()
    accounts = repo.list_accounts(session, "demo-multi")
    assert len({a.lender for a in accounts}) == 4
    assert {a.product for a in accounts} == {"credit_card", "consumer_loan", "online_credit"}


def test_demo_onplan_is_on_a_plan_with_a_submitted_application(session):
    seed_demo(session, TODAY)
    session.commit()
    (account,) = repo.list_accounts(session, "demo-onplan")
    assert account.on_personalised_plan is True
    (application,) = repo.list_plan_applications(session, "demo-onplan")
    assert application.status == "submitted" and application.kind == "personalised"
    assert application.account_id == account.id
    # Confirming that same plan again is recognised as already submitted.
    _, created = repo.submit_plan_application(
        session, borrower_id="demo-onplan", account_id=account.id, kind="personalised",
        months=application.months, today=TODAY)
    assert created is False


def test_demo_m1_has_a_partial_repayment(session):
    seed_demo(session, TODAY)
    session.commit()
    (account,) = repo.list_accounts(session, "demo-m1")
    assert account.repayments
    assert 0 < repo.unpaid_minimum(account, TODAY) < account.minimum_payment


def test_names_and_lenders_are_chinese(session):
    seed_demo(session, TODAY)
    session.commit()
    for b in repo.list_demo_borrowers(session):
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", b.display_name)
        for a in b.accounts:
            assert re.search(r"[\u4e00-\u9fff]", a.lender)
    assert {b.id for b in DEMO_BORROWERS} >= {
        "demo-current", "demo-grace", "demo-m1", "demo-m3", "demo-m6plus", "demo-multi",
        "demo-onplan"}


def test_reset_refreshes_dates_and_keeps_other_borrowers(session):
    seed_demo(session, TODAY)
    session.add(Borrower(id="real-1", display_name="真实用户"))
    session.commit()
    initial = overdue_by_borrower(session, TODAY)
    grace = repo.list_accounts(session, "demo-grace")[0]
    repo.record_promise(session, borrower_id="demo-grace", account_id=grace.id, amount=532,
                        promised_on=TODAY)
    session.commit()

    later = TODAY + timedelta(days=40)
    # Without reset the old dates stay, so the stages drift.
    assert seed_demo(session, later) == []
    session.commit()
    assert overdue_by_borrower(session, later)["demo-grace"] == [42]

    assert seed_demo(session, later, reset=True) == list(DEMO_IDS)
    session.commit()
    assert overdue_by_borrower(session, later) == initial
    assert repo.list_accounts(session, "demo-grace")[0].due_date == later - timedelta(days=2)
    assert repo.list_promises(session, "demo-grace") == []
    assert repo.get_borrower(session, "real-1") is not None
    assert len(repo.list_plan_applications(session, "demo-onplan")) == 1
