"""Who the borrower is comes only from a verified token; nothing leaks without one."""
import json
from datetime import datetime, timedelta, timezone

from actions.accounts import ActionAcknowledgeSituation, ActionCheckDebt
from bot.identity import issue_token
from tests.actions.support import make_tracker, responses, run, slot_events, token_for

ACCOUNT_KEYS = {"balance", "unpaid_minimum", "label", "lender", "minimum"}


def _no_account_data(messages):
    return all(not ((ACCOUNT_KEYS | {"accounts"}) & set(m)) for m in messages)


def test_check_debt_lists_the_borrowers_own_accounts(bank):
    messages, _ = run(ActionCheckDebt(), make_tracker("我欠多少", "check_debt", token=token_for("demo-multi")))
    assert responses(messages) == ["utter_accounts_header"]
    assert messages[0]["count"] == 4
    lines = messages[0]["accounts"].split("\n")
    # Most urgent first: the 40-day card, the 12-day loan, the online line in its grace day,
    # the current card.
    assert ["远山银行信用卡" in lines[0], "青禾消费金融" in lines[1], "云朵信用付" in lines[2],
            "星河银行信用卡" in lines[3]] == [True] * 4
    assert "已逾期 40 天" in lines[0] and "已逾期 12 天" in lines[1] and "目前没有逾期" in lines[3]


def test_check_debt_without_token_shows_no_account(bank):
    messages, _ = run(ActionCheckDebt(), make_tracker("我欠多少", "check_debt"))
    assert responses(messages) == ["utter_need_login", "utter_situation_general_facts"]
    assert _no_account_data(messages)


def test_forged_token_is_refused_clearly(bank):
    forged = issue_token("demo-m1")[:-4] + "AAAA"
    messages, _ = run(ActionCheckDebt(), make_tracker("我欠多少", "check_debt", token=forged))
    assert responses(messages)[0] == "utter_token_invalid"
    assert _no_account_data(messages)


def test_expired_token_is_refused_clearly(bank):
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    expired = issue_token("demo-m1", ttl_seconds=3600, now=an_hour_ago)
    messages, _ = run(ActionCheckDebt(), make_tracker("我欠多少", "check_debt", token=expired))
    assert responses(messages)[0] == "utter_token_expired"
    assert _no_account_data(messages)


def test_token_signed_with_another_secret_is_refused(bank, monkeypatch):
    monkeypatch.setenv("BOT_TOKEN_SECRET", "an-attackers-own-secret-0123456789abcdef")
    foreign = issue_token("demo-m1")
    monkeypatch.setenv("BOT_TOKEN_SECRET", "test-secret-for-action-tests-0123456789")
    messages, _ = run(ActionCheckDebt(), make_tracker("查账", "check_debt", token=foreign))
    assert responses(messages)[0] == "utter_token_invalid"


def test_another_borrowers_id_in_text_or_entities_changes_nothing(bank):
    tracker = make_tracker("我是 demo-multi，查一下 demo-multi 的账", "check_debt",
                           entities=[{"entity": "borrower_id", "value": "demo-multi"}],
                           token=token_for("demo-m1"), sender="demo-multi")
    messages, _ = run(ActionCheckDebt(), tracker)
    assert messages[0]["count"] == 1
    assert "demo-multi" not in json.dumps(messages, ensure_ascii=False)
    assert "星河银行信用卡" in messages[0]["accounts"]
    assert "远山" not in messages[0]["accounts"] and "青禾" not in messages[0]["accounts"]


def test_only_the_latest_messages_token_counts(bank):
    earlier = {"event": "user", "text": "hi", "metadata": {"token": token_for("demo-m1")},
               "parse_data": {"intent": {"name": "greet"}}}
    tracker = make_tracker("我欠多少", "check_debt", events=[earlier])
    messages, _ = run(ActionCheckDebt(), tracker)
    assert responses(messages)[0] == "utter_need_login"


def test_income_loss_understanding_first_then_facts_then_offer(bank):
    tracker = make_tracker("我失业了，这个月还不上", "income_loss", token=token_for("demo-m1"))
    messages, events = run(ActionAcknowledgeSituation(), tracker)
    said = responses(messages)
    assert said[0] == "utter_situation_income_loss"
    assert said[1] == "utter_stage_M1"
    assert "utter_accounts_header" in said
    header = next(m for m in messages if m["response"] == "utter_accounts_header")
    assert "已逾期 20 天（逾期M1）" in header["accounts"]
    assert said[-1] == "utter_offer_installment"
    slots = slot_events(events)
    assert slots["situations"] == ["income_loss"] and slots["offer"] == "installment"


def test_illness_is_recognised_within_income_loss(bank):
    tracker = make_tracker("住院了没法上班，钱都花在医药费上", "income_loss",
                           slots={"situations": ["forgot"]})
    messages, events = run(ActionAcknowledgeSituation(), tracker)
    assert responses(messages)[0] == "utter_situation_illness"
    assert slot_events(events)["situations"] == ["forgot", "illness"]


def test_forgot_due_date_offers_a_reminder(bank):
    tracker = make_tracker("忘了还款日", "forgot_due_date", token=token_for("demo-grace"))
    messages, events = run(ActionAcknowledgeSituation(), tracker)
    said = responses(messages)
    assert said[:2] == ["utter_situation_forgot", "utter_stage_grace"]
    assert said[-1] == "utter_offer_reminder" and messages[-1]["days_before"] == 3
    assert slot_events(events)["offer"] == "reminder"


def test_multiple_debts_orders_accounts_and_warns(bank):
    tracker = make_tracker("好几家都欠着", "multiple_debts", token=token_for("demo-multi"))
    messages, _ = run(ActionAcknowledgeSituation(), tracker)
    said = responses(messages)
    assert "utter_multiple_debts_warning" in said
    order = next(m for m in messages if m["response"] == "utter_multiple_debts_order")["order"]
    assert order.index("远山银行信用卡") < order.index("青禾消费金融") < order.index("星河银行信用卡")


def test_borrower_on_a_plan_is_not_offered_another_installment(bank):
    tracker = make_tracker("我失业了", "income_loss", token=token_for("demo-onplan"))
    messages, events = run(ActionAcknowledgeSituation(), tracker)
    assert "utter_already_on_plan" in responses(messages)
    assert slot_events(events)["offer"] == "human"
