"""Reminders, promises, recorded cases, care answers and bad input, on a real database."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.cases import (
    ActionExplainFeeWaiver,
    ActionRecordComplaint,
    ActionRecordDispute,
    ActionRequestHuman,
    ActionRespondCrisis,
    ActionRespondDistress,
)
from actions.commitments import ActionRecordPromise, ActionSetReminder, ValidatePromiseForm
from actions.conversation import ActionAcceptOffer, ActionDeclineOffer, ActionHandleFallback
from bot.storage.db import session_scope
from bot.storage.models import (
    Account,
    CaseRecord,
    PaymentPromise,
    PlanApplication,
    Reminder,
    Ticket,
)
from tests.actions.support import (
    HANDOFF_CLOSED,
    TODAY,
    make_tracker,
    responses,
    run,
    slot_events,
    token_for,
)


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


def test_guest_reminder_is_explained_not_stored(bank):
    messages, _ = run(ActionSetReminder(), make_tracker("好", "affirm"))
    assert responses(messages) == ["utter_reminder_needs_login"]
    assert _rows(bank, Reminder) == []


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
    assert responses(messages) == ["utter_promise_not_stored"]
    assert _rows(bank, PaymentPromise) == []


@pytest.mark.parametrize("action, category, first, priority", [
    (ActionRecordDispute(), "dispute", "utter_dispute", "normal"),
    (ActionRecordComplaint(), "complaint", "utter_complaint", "high"),
    (ActionExplainFeeWaiver(), "fee_waiver", "utter_fee_waiver", "normal"),
])
def test_cases_are_recorded_and_queued_with_their_category(bank, action, category, first, priority):
    messages, events = run(action, make_tracker("这笔钱不是我借的", token=token_for("demo-m3")))
    assert responses(messages)[0] == first
    cases = _rows(bank, CaseRecord, category=category)
    assert len(cases) == 1 and cases[0].borrower_id == "demo-m3"
    referenced = [m["reference"] for m in messages if "reference" in m]
    assert referenced and referenced[0].startswith("CS-")
    tickets = _rows(bank, Ticket, conversation_id="conv-1")
    assert [(t.category, t.priority, t.status) for t in tickets] == [(category, priority, "waiting")]
    assert tickets[0].borrower_id == "demo-m3" and "accounts" in tickets[0].summary
    assert not [e for e in events if e["event"] == "pause"]  # the bot keeps answering meanwhile
    assert slot_events(events)["offer"] == f"human_{category}"


def test_asking_for_a_person_queues_pauses_and_tells_the_wait(bank):
    messages, events = run(ActionRequestHuman(), make_tracker("转人工", "request_human", token=token_for("demo-m3")))
    assert responses(messages) == ["utter_handoff_waiting"]
    assert messages[0]["ahead"] == 0 and messages[0]["reference"].startswith("RG-")
    assert [e["event"] for e in events if e["event"] == "pause"] == ["pause"]
    assert [(t.category, t.priority) for t in _rows(bank, Ticket)] == [("human", "normal")]


def test_accepting_a_person_after_distress_is_a_high_priority_ticket(bank):
    run(ActionAcceptOffer(), make_tracker("好", "affirm", slots={"offer": "human_distress"}))
    assert [(t.category, t.priority) for t in _rows(bank, Ticket)] == [("distress", "high")]


def test_outside_agent_hours_the_ticket_is_kept_and_the_borrower_told_when(bank, monkeypatch):
    monkeypatch.setenv("BOT_HANDOFF_SETTINGS", str(HANDOFF_CLOSED))
    messages, _ = run(ActionRequestHuman(), make_tracker("人工", "request_human"))
    assert responses(messages) == ["utter_handoff_outside_hours"]
    assert "周一" in messages[0]["next_opening"] and len(_rows(bank, Ticket)) == 1


def test_crisis_answer_leads_with_help_and_says_nothing_about_debt(bank):
    messages, events = run(ActionRespondCrisis(), make_tracker("不想活了", "crisis", token=token_for("demo-m6plus")))
    # Agents on duty: the lines first, then that a person is coming (issue: safety).
    assert responses(messages) == ["utter_crisis_support", "utter_crisis_person_coming"]
    assert slot_events(events)["offer"] is None
    assert [c.category for c in _rows(bank, CaseRecord)] == ["crisis"]
    assert [e["event"] for e in events if e["event"] == "pause"] == ["pause"]
    tickets = _rows(bank, Ticket)
    assert [(t.category, t.priority, t.status) for t in tickets] == [("crisis", "urgent", "waiting")]


def test_crisis_outside_agent_hours_still_leads_with_help_lines(bank, monkeypatch):
    monkeypatch.setenv("BOT_HANDOFF_SETTINGS", str(HANDOFF_CLOSED))
    messages, _ = run(ActionRespondCrisis(), make_tracker("活着没意思", "crisis"))
    assert responses(messages) == ["utter_crisis_support", "utter_crisis_outside_hours"]
    assert [t.priority for t in _rows(bank, Ticket)] == ["urgent"]


def test_distress_offers_a_person(bank):
    messages, events = run(ActionRespondDistress(), make_tracker("压力太大了天天睡不着", "express_distress"))
    assert responses(messages) == ["utter_distress_support", "utter_offer_human"]
    assert slot_events(events)["offer"] == "human_distress"
    assert _rows(bank, Ticket) == []


def test_distress_again_hands_over_with_high_priority(bank):
    earlier = {"event": "user", "text": "我真的撑不住了 天天失眠",
               "parse_data": {"intent": {"name": "express_distress", "confidence": 0.95}}}
    now = {"event": "user", "text": "压力太大了 快崩溃了",
           "parse_data": {"intent": {"name": "express_distress", "confidence": 0.95}}}
    messages, events = run(ActionRespondDistress(), make_tracker(
        "压力太大了 快崩溃了", "express_distress", events=[earlier, {"event": "bot", "text": "..."}, now]))
    assert responses(messages) == ["utter_distress_support", "utter_handoff_waiting"]
    assert [(t.category, t.priority) for t in _rows(bank, Ticket)] == [("distress", "high")]
    assert [e["event"] for e in events if e["event"] == "pause"] == ["pause"]


def _fallback_event():
    return {"event": "user", "text": "?", "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_second_fallback_in_a_row_offers_a_person(bank):
    first, _ = run(ActionHandleFallback(), make_tracker("asdfgh", "nlu_fallback", events=[_fallback_event()]))
    assert responses(first) == ["utter_ask_rephrase"]
    events = [_fallback_event(), {"event": "bot", "text": "?"}, _fallback_event()]
    second, ev = run(ActionHandleFallback(), make_tracker("qwerty", "nlu_fallback", events=events))
    assert responses(second) == ["utter_fallback_offer_human"]
    assert slot_events(ev)["offer"] == "human_fallback"


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


@pytest.mark.parametrize("text", BAD_INPUTS, ids=["empty", "5000", "emoji", "html", "sql", "sql-or"])
@pytest.mark.parametrize("action", [ActionRecordDispute(), ActionHandleFallback(), ActionRequestHuman()])
def test_bad_input_gets_an_answer_and_changes_nothing_else(bank, text, action):
    before = len(_rows(bank, Account)), len(_rows(bank, PlanApplication))
    messages, _ = run(action, make_tracker(text, "nlu_fallback", token=token_for("demo-m1")))
    assert messages and all(m.get("response") for m in messages)
    assert "utter_technical_problem" not in responses(messages)
    assert (len(_rows(bank, Account)), len(_rows(bank, PlanApplication))) == before
    for case in _rows(bank, CaseRecord):
        assert case.text == text[:2000]  # stored verbatim (as data), cut to a sane size
