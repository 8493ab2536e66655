"""Installments, extensions and applications, computed from the stored account and its policy."""
import re
from decimal import Decimal

from sqlalchemy import func, select

from actions.plans import ActionOfferExtension, ActionOfferInstallment, ActionSubmitApplication
from bot import policy as rules
from bot.formatting import percent, yuan
from bot.storage.db import session_scope
from bot.storage.models import PlanApplication
from tests.actions.support import make_tracker, responses, run, slot_events, token_for


def _applications(url, borrower_id):
    with session_scope(url) as session:
        return session.execute(
            select(func.count()).select_from(PlanApplication).where(PlanApplication.borrower_id == borrower_id)
        ).scalar_one()


def _offer(bank, borrower, budget, text="每月能还这么多", entities=()):
    tracker = make_tracker(text, "inform", entities=entities, token=token_for(borrower),
                           slots={"monthly_budget": budget})
    return run(ActionOfferInstallment(), tracker)


def test_installment_options_recommend_the_shortest_affordable(bank):
    messages, events = _offer(bank, "demo-m1", 1500)
    intro = next(m for m in messages if m["response"] == "utter_installment_intro")
    assert [int(n) for n in re.findall(r"· (\d+) 期", intro["options"])] == [3, 6, 9, 12, 18, 24, 36]
    recommend = next(m for m in messages if m["response"] == "utter_installment_recommend")
    plan = slot_events(events)["selected_plan"]
    # Every shown number equals the policy's own computation for this balance.
    balance = Decimal(plan["total_repay"]) - Decimal(plan["total_fee"])
    expected = rules.recommend_installment(
        rules.installment_options(rules.load_policy("credit_card"), balance, 1500), 1500)
    assert recommend["months"] == expected.months == plan["months"]
    assert recommend["monthly_payment"] == yuan(expected.monthly_payment)
    assert recommend["apr"] == percent(expected.apr)
    assert expected.max_payment <= 1500
    assert all(o.max_payment > 1500 for o in rules.installment_options(
        rules.load_policy("credit_card"), balance) if o.months < expected.months)
    assert slot_events(events)["offer"] == "installment_confirm"
    assert recommend["buttons"][0]["payload"].startswith("/inform")


def test_apr_is_the_irr_not_twelve_times_the_fee(bank):
    messages, _ = _offer(bank, "demo-m1", 1500)
    intro = next(m for m in messages if m["response"] == "utter_installment_intro")
    twelve = next(line for line in intro["options"].split("\n") if line.startswith("· 12 期"))
    assert "年化约 13.0%" in twelve  # 0.60 %/month over 12 months (domain.md §4), not 7.2 %


def test_choosing_another_term(bank):
    messages, events = _offer(bank, "demo-m1", 1500, "那就24期吧", entities=[{"entity": "months", "value": 24}])
    assert responses(messages) == ["utter_installment_selected"]
    assert slot_events(events)["selected_plan"]["months"] == 24


def test_budget_too_low_explains_personalised_installments(bank):
    messages, events = _offer(bank, "demo-m6plus", 1000)
    assert "utter_personalised_eligible" in responses(messages)
    eligible = next(m for m in messages if m["response"] == "utter_personalised_eligible")
    assert eligible["max_months"] == 60 and eligible["suggested_months"] <= 60
    assert slot_events(events)["selected_plan"]["kind"] == "personalised"


def test_budget_too_low_even_for_sixty_months_offers_a_person(bank):
    messages, events = _offer(bank, "demo-m6plus", 300)
    assert "utter_personalised_not_eligible_budget_too_low_even_60" in responses(messages)
    assert slot_events(events)["offer"] == "human"


def test_not_overdue_borrower_is_told_why_personalised_does_not_fit(bank):
    messages, events = _offer(bank, "demo-current", 50)
    assert "utter_personalised_not_eligible_not_overdue" in responses(messages)
    assert slot_events(events)["offer"] == "human"


def test_guest_gets_options_from_the_amount_they_gave(bank):
    tracker = make_tracker("2000", "inform", slots={"monthly_budget": 2000, "debt_amount": 20000})
    messages, events = run(ActionOfferInstallment(), tracker)
    intro = next(m for m in messages if m["response"] == "utter_installment_intro")
    assert intro["principal"] == "20,000 元"
    assert slot_events(events)["selected_plan"]["borrower_id"] is None


def test_confirm_stores_one_application_even_when_confirmed_twice(bank):
    _, events = _offer(bank, "demo-m1", 1500)
    plan = slot_events(events)["selected_plan"]
    tracker = make_tracker("确认提交", "affirm", token=token_for("demo-m1"), slots={"selected_plan": plan})
    first, _ = run(ActionSubmitApplication(), tracker)
    second, _ = run(ActionSubmitApplication(), tracker)
    assert responses(first) == ["utter_application_submitted_installment"]
    assert first[0]["reference"].startswith("PA-")
    assert responses(second) == ["utter_application_already_submitted"]
    assert second[0]["reference"] == first[0]["reference"]
    assert _applications(bank, "demo-m1") == 1


def test_a_plan_computed_for_another_borrower_is_never_submitted(bank):
    _, events = _offer(bank, "demo-multi", 1500)
    plan = slot_events(events)["selected_plan"]
    tracker = make_tracker("确认", "affirm", token=token_for("demo-m1"), slots={"selected_plan": plan})
    messages, events = run(ActionSubmitApplication(), tracker)
    assert responses(messages) == ["utter_no_plan_to_submit"]
    assert _applications(bank, "demo-m1") == 0 and _applications(bank, "demo-multi") == 0
    assert slot_events(events)["selected_plan"] is None


def test_guest_cannot_submit(bank):
    plan = {"kind": "installment", "borrower_id": None, "account_id": None, "months": 12}
    messages, _ = run(ActionSubmitApplication(), make_tracker("好", "affirm", slots={"selected_plan": plan}))
    assert responses(messages) == ["utter_plan_needs_login"]


def test_extension_options_for_a_short_overdue(bank):
    tracker = make_tracker("能晚几天还吗", "request_extension", token=token_for("demo-m1"))
    messages, events = run(ActionOfferExtension(), tracker)
    intro = next(m for m in messages if m["response"] == "utter_extension_intro")
    assert [int(n) for n in re.findall(r"延期 (\d+) 天", intro["options"])] == [7, 15, 30]
    assert slot_events(events)["offer"] == "extension"
    tracker = make_tracker("15天", "inform", entities=[{"entity": "days", "value": 15}], token=token_for("demo-m1"))
    messages, events = run(ActionOfferExtension(), tracker)
    assert responses(messages) == ["utter_extension_selected"]
    plan = slot_events(events)["selected_plan"]
    assert plan["kind"] == "extension" and plan["days"] == 15
    submitted, _ = run(ActionSubmitApplication(), make_tracker("好", "affirm", token=token_for("demo-m1"),
                                                               slots={"selected_plan": plan}))
    assert responses(submitted) == ["utter_application_submitted_extension"]
    assert _applications(bank, "demo-m1") == 1


def test_extension_refused_when_too_far_overdue(bank):
    tracker = make_tracker("申请延期", "request_extension", token=token_for("demo-m3"))
    messages, events = run(ActionOfferExtension(), tracker)
    assert responses(messages) == ["utter_extension_not_eligible_too_overdue"]
    assert messages[0]["days"] == 75 and messages[0]["max_days"] == 30
    assert slot_events(events)["offer"] == "installment"
