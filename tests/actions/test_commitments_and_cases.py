"""Reminders, promises, recorded cases, care answers and bad input, on a real database."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from actions.cases import (ActionExplainFeeWaiver, ActionRecordComplaint, ActionRecordDispute,
                           ActionRequestHuman, ActionRespondCrisis, ActionRespondDistress)
from actions.commitments import ActionRecordPromise, ActionSetReminder, ValidatePromiseForm
from actions.conversation import ActionDeclineOffer, ActionHandleFallback
from bot.storage.db import session_scope
from bot.storage.models import Account, CaseRecord, PaymentPromise, PlanApplication, Reminder
from tests.actions.support import TODAY, make_tracker, responses, run, slot_events, token_for


def _rows(url, model, **where):
    with session_scope(url) as session:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list(session.execute(stmt).scalars())


def test_reminder_is_stored_with_the_asked_days(bank):
    tracker = make_tracker("提前5天提醒我", "affirm", entities=[{"entity": "days", "value": 5}],
                           token=token_for("demo-grace"))
    messages, _ = run(ActionSetReminder(), tracker)
    assert responses(messages) == ["utter_reminder_set", "utter_autodebit_tip"]
    assert [r.days_before for r in _rows(bank, Reminder, borrower_id="demo-grace")] == [5]
    run(ActionSetReminder(), make_tracker("好", "affirm", token=token_for("demo-grace")))
    assert [r.days_before for r in _rows(bank, Reminder, borrower_id="demo-grace")] == [3]


def test_promise_is_recorded_and_confirmed_back(bank):
    pay_on = TODAY + timedelta(days=4)
    tracker = make_tracker("周五还500", "promise_to_pay", token=token_for("demo-m1"),
                           slots={"promise_amount": 500, "promise_date": pay_on.isoformat()})
    messages, events = run(ActionRecordPromise(), tracker)
    said = responses(messages)
    assert said[0] == "utter_promise_recorded" and messages[0]["amount"] == "500 元"
    assert "utter_promise_below_minimum" in said  # 900 of the minimum is still unpaid
    assert said[-1] == "utter_offer_reminder" and slot_events(events)["offer"] == "reminder"
    rows = _rows(bank, PaymentPromise, borrower_id="demo-m1")
    assert [(r.promised_on, str(r.amount)) for r in rows] == [(pay_on, "500.00")]
    assert slot_events(events)["promise_amount"] is None


def test_promise_date_in_the_past_is_asked_again(bank):
    result = ValidatePromiseForm().validate_promise_date(
        (TODAY - timedelta(days=1)).isoformat(), _Dispatcher(), None, {})
    assert result == {"promise_date": None}


class _Dispatcher:
    def __init__(self):
        self.said = []

    def utter_message(self, **kw):
        self.said.append(kw)


def test_guest_promise_is_not_stored(bank):
    tracker = make_tracker("明天还1000", "promise_to_pay",
                           slots={"promise_amount": 1000, "promise_date": TODAY.isoformat()})
    messages, _ = run(ActionRecordPromise(), tracker)
    assert responses(messages) == ["utter_need_login", "utter_promise_not_stored"]
    assert _rows(bank, PaymentPromise) == []


@pytest.mark.parametrize("action, category, first", [
    (ActionRecordDispute(), "dispute", "utter_dispute"),
    (ActionRecordComplaint(), "complaint", "utter_complaint"),
    (ActionExplainFeeWaiver(), "fee_waiver", "utter_fee_waiver"),
    (ActionRequestHuman(), "human", "utter_human_requested"),
])
def test_cases_are_recorded_with_a_reference(bank, action, category, first):
    messages, _ = run(action, make_tracker("这笔钱不是我借的", token=token_for("demo-m3")))
    assert responses(messages)[0] == first
    cases = _rows(bank, CaseRecord, category=category)
    assert len(cases) == 1 and cases[0].borrower_id == "demo-m3"
    referenced = [m["reference"] for m in messages if "reference" in m]
    assert referenced and referenced[0].startswith("CS-")


def test_crisis_answer_leads_with_help_and_says_nothing_about_debt(bank):
    messages, events = run(ActionRespondCrisis(), make_tracker("不想活了", "crisis", token=token_for("demo-m6plus")))
    assert responses(messages) == ["utter_crisis_support"]
    assert slot_events(events)["offer"] is None
    assert [c.category for c in _rows(bank, CaseRecord)] == ["crisis"]


def test_distress_offers_a_person(bank):
    messages, events = run(ActionRespondDistress(), make_tracker("压力太大了天天睡不着", "express_distress"))
    assert responses(messages) == ["utter_distress_support", "utter_offer_human"]
    assert slot_events(events)["offer"] == "human"


def _fallback_event():
    return {"event": "user", "text": "?", "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_second_fallback_in_a_row_offers_a_person(bank):
    first, _ = run(ActionHandleFallback(), make_tracker("asdfgh", "nlu_fallback", events=[_fallback_event()]))
    assert responses(first) == ["utter_ask_rephrase"]
    events = [_fallback_event(), {"event": "bot", "text": "?"}, _fallback_event()]
    second, ev = run(ActionHandleFallback(), make_tracker("qwerty", "nlu_fallback", events=events))
    assert responses(second) == ["utter_fallback_offer_human"]
    assert slot_events(ev)["offer"] == "human"


def test_decline_answers_what_was_offered(bank):
    messages, _ = run(ActionDeclineOffer(), make_tracker("不用了", "deny", slots={"offer": "reminder"}))
    assert responses(messages) == ["utter_decline_reminder"]


BAD_INPUTS = [
    "",
    "还" * 5000,
    "😭😭😭🙏🙏",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "'; DROP TABLE accounts; --",
    "1' OR '1'='1",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
@pytest.mark.parametrize("action", [ActionRecordDispute(), ActionHandleFallback(), ActionRequestHuman()])
def test_bad_input_gets_an_answer_and_changes_nothing_else(bank, text, action):
    before = len(_rows(bank, Account)), len(_rows(bank, PlanApplication))
    messages, _ = run(action, make_tracker(text, "nlu_fallback", token=token_for("demo-m1")))
    assert messages and all(m.get("response") for m in messages)
    assert "utter_technical_problem" not in responses(messages)
    assert (len(_rows(bank, Account)), len(_rows(bank, PlanApplication))) == before
    for case in _rows(bank, CaseRecord):
        assert case.text == text[:2000]  # stored verbatim (as data), cut to a sane size
