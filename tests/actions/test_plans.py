"""Installments, extensions and applications, computed from the stored account and its policy."""
import re
from decimal import Decimal

from sqlalchemy import func, select

from actions.plans import ActionOfferExtension, ActionOfferInstallment, ActionSubmitApplication
from bot import policy as rules
from bot.formatting import percent, yuan
from bot.storage import repository
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


def test_a_forged_plan_slot_never_stores_its_own_figures(bank):
    """The slot only names the choice; every stored figure is recomputed from the policy."""
    _, events = _offer(bank, "demo-m1", 1500)
    honest = slot_events(events)["selected_plan"]
    forged = {**honest, "months": 600, "monthly_payment": "1", "apr": "0", "total_repay": "1"}
    messages, events = run(ActionSubmitApplication(), make_tracker(
        "确认", "affirm", token=token_for("demo-m1"), slots={"selected_plan": forged}))
    assert responses(messages) == ["utter_no_plan_to_submit"]
    assert slot_events(events)["selected_plan"] is None
    assert _applications(bank, "demo-m1") == 0

    # A real term with absurd figures: stored with the policy's own figures.
    lying = {**honest, "monthly_payment": "1", "apr": "0", "total_repay": "1", "total_fee": "0"}
    messages, _ = run(ActionSubmitApplication(), make_tracker(
        "确认", "affirm", token=token_for("demo-m1"), slots={"selected_plan": lying}))
    assert responses(messages) == ["utter_application_submitted_installment"]
    with session_scope(bank) as session:
        (row,) = session.execute(select(PlanApplication).where(PlanApplication.borrower_id == "demo-m1")).scalars()
        balance = repository.list_accounts(session, "demo-m1")[0].balance
        option = next(o for o in rules.installment_options(rules.load_policy("credit_card"), balance)
                      if o.months == honest["months"])
        assert (row.months, row.monthly_payment, row.total_repay) == (
            option.months, option.monthly_payment, option.total_repay)
        assert row.apr == option.apr and row.apr > 0
    assert messages[0]["monthly_payment"] == yuan(option.monthly_payment)
    assert messages[0]["apr"] == percent(option.apr)


def test_forged_personalised_and_extension_choices_are_refused(bank):
    def submit(borrower, plan):
        messages, _ = run(ActionSubmitApplication(), make_tracker(
            "确认", "affirm", token=token_for(borrower), slots={"selected_plan": plan}))
        return responses(messages)

    _, events = _offer(bank, "demo-m6plus", 1500)
    personalised = slot_events(events)["selected_plan"]
    assert personalised["kind"] == "personalised"
    for months in (600, 0, -3, "36", True, None):
        assert submit("demo-m6plus", {**personalised, "months": months}) == ["utter_no_plan_to_submit"]
    assert _applications(bank, "demo-m6plus") == 0
    # Not overdue: no personalised plan and no extension, whatever the slot says.
    _, events = _offer(bank, "demo-current", 3000)
    current = slot_events(events)["selected_plan"]
    assert submit("demo-current", {**current, "kind": "personalised", "months": 24}) == ["utter_no_plan_to_submit"]
    assert submit("demo-current", {**current, "kind": "extension", "days": 30}) == ["utter_no_plan_to_submit"]
    assert submit("demo-current", {**current, "kind": "anything"}) == ["utter_no_plan_to_submit"]
    assert _applications(bank, "demo-current") == 0


def test_loan_personalised_path_has_no_card_terms(bank):
    messages, events = _offer(bank, "demo-m3", 800)
    said = responses(messages)
    assert said[-1] == "utter_restructure_eligible" and "utter_personalised_eligible" not in said
    offer = messages[-1]
    assert offer["monthly_payment"] and offer["apr"].endswith("%")
    plan = slot_events(events)["selected_plan"]
    submitted, _ = run(ActionSubmitApplication(), make_tracker(
        "提交", "affirm", token=token_for("demo-m3"), slots={"selected_plan": plan}))
    assert responses(submitted) == ["utter_application_submitted_restructure"]
    assert submitted[0]["apr"] == offer["apr"] and submitted[0]["monthly_payment"] == offer["monthly_payment"]


def test_no_extension_before_the_due_date(bank):
    messages, events = run(ActionOfferExtension(), make_tracker(
        "能晚几天吗", "request_extension", token=token_for("demo-current")))
    assert responses(messages) == ["utter_extension_not_eligible_not_overdue"]
    assert "selected_plan" not in slot_events(events)
