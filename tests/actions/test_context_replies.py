"""A yes, a no or a bare value means what the last question asked (the `offer` slot)."""
from sqlalchemy import select

from actions.conversation import ActionAcceptOffer, ActionHandleInform
from bot.storage.db import session_scope
from bot.storage.models import PlanApplication, Reminder
from tests.actions.support import make_tracker, responses, run, slot_events, token_for


def test_yes_to_installment_starts_the_form(bank):
    messages, events = run(ActionAcceptOffer(), make_tracker("好", "affirm", slots={"offer": "installment"}))
    assert messages == []
    assert {"event": "followup", "name": "installment_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events]


def test_yes_to_reminder_stores_it(bank):
    run(ActionAcceptOffer(), make_tracker("好的", "affirm", token=token_for("demo-grace"),
                                          slots={"offer": "reminder"}))
    with session_scope(bank) as session:
        assert [r.borrower_id for r in session.execute(select(Reminder)).scalars()] == ["demo-grace"]


def test_yes_without_a_question(bank):
    messages, _ = run(ActionAcceptOffer(), make_tracker("嗯", "affirm"))
    assert responses(messages) == ["utter_anything_else"]


def test_budget_answer_after_installment_offer_gives_options(bank):
    tracker = make_tracker("每月1500", "inform", entities=[{"entity": "amount", "value": 1500}],
                           token=token_for("demo-m1"), slots={"offer": "installment"})
    messages, events = run(ActionHandleInform(), tracker)
    assert "utter_installment_recommend" in responses(messages)
    slots = slot_events(events)
    assert slots["monthly_budget"] == 1500 and slots["offer"] == "installment_confirm"
    # ... and a yes then stores exactly that plan
    confirm = make_tracker("好", "affirm", token=token_for("demo-m1"),
                           slots={"offer": "installment_confirm", "selected_plan": slots["selected_plan"]})
    submitted, _ = run(ActionAcceptOffer(), confirm)
    assert responses(submitted) == ["utter_application_submitted_installment"]
    with session_scope(bank) as session:
        rows = list(session.execute(
            select(PlanApplication).where(PlanApplication.borrower_id == "demo-m1")).scalars())
    assert [(r.borrower_id, r.months) for r in rows] == [("demo-m1", slots["selected_plan"]["months"])]


def test_guest_budget_answer_goes_to_the_form_for_the_debt(bank):
    tracker = make_tracker("2000", "inform", entities=[{"entity": "amount", "value": 2000}],
                           slots={"offer": "installment"})
    _, events = run(ActionHandleInform(), tracker)
    assert any(e["event"] == "followup" and e["name"] == "installment_form" for e in events)
    assert slot_events(events)["monthly_budget"] == 2000


def test_a_bare_value_without_a_question_is_not_guessed(bank):
    tracker = make_tracker("3000", "inform", entities=[{"entity": "amount", "value": 3000}],
                           token=token_for("demo-m1"))
    messages, _ = run(ActionHandleInform(), tracker)
    assert responses(messages) == ["utter_inform_without_context"]
