"""The case summary from a realistic tracker (Rasa's JSON events, written by hand) and real
AccountFacts from a seeded SQLite database."""
import json
from datetime import date

import pytest

from bot.accounts import facts_for
from bot.handoff.summary import build_case_summary
from bot.storage import db, repository
from bot.storage.db import session_scope
from bot.storage.demo import seed_demo

TODAY = date(2026, 11, 23)
T = 1795400000.0  # epoch seconds, some time on TODAY


def user(text, intent, confidence, t):
    return {"event": "user", "timestamp": T + t, "text": text, "input_channel": "socketio",
            "message_id": f"m{t}", "metadata": {"token": "<redacted>"},
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "entities": [], "intent_ranking": []}}


def bot(text, t, action):
    return {"event": "bot", "timestamp": T + t, "text": text, "data": {},
            "metadata": {"utter_action": action}}


def action(name, t):
    return {"event": "action", "timestamp": T + t, "name": name, "policy": "RulePolicy",
            "confidence": 1.0}


def slot(name, value, t):
    return {"event": "slot", "timestamp": T + t, "name": name, "value": value}


PLAN = {"kind": "installment", "borrower_id": "demo-multi", "account_id": 2,
        "lender": "远山银行信用卡", "months": 12, "monthly_payment": "1413.33",
        "apr": "0.1296", "total_repay": "16959.96", "total_fee": "1159.96"}

EVENTS = [
    action("action_session_start", 0), {"event": "session_started", "timestamp": T + 0.1},
    action("action_listen", 0.2),
    user("你好，我信用卡逾期了", "check_debt", 0.93, 10),
    action("action_check_debt", 10.5),
    bot("您名下有 3 笔欠款……", 10.6, "utter_accounts"),
    action("action_listen", 10.7),
    user("我失业了，这个月工资都没发", "income_loss", 0.88, 40),
    slot("situations", ["income_loss"], 40.5),
    bot("失业确实很难熬……", 40.6, "utter_situation_income_loss"),
    user("每个月只能还1500", "inform", 0.71, 80),
    slot("monthly_budget", 1500.0, 80.2),
    slot("selected_plan", PLAN, 80.4),
    bot("按每月 1,413.33 元分 12 期……", 80.5, "utter_installment_offer"),
    user("我真的撑不住了，压力太大", "express_distress", 0.91, 120),
    bot("听得出来您现在压力非常大……", 120.5, "utter_distress_support"),
    user("嗯", "affirm", 0.55, 150),
    bot("要我请人工同事来跟进吗？", 150.5, "utter_offer_human"),
    user("我不想活了", "crisis", 0.97, 200),
    action("action_respond_crisis", 200.2),
    bot("谢谢您愿意告诉我，我很在意您现在的安全……12356……", 200.4, "utter_crisis_support"),
    {"event": "pause", "timestamp": T + 200.5},
]


@pytest.fixture
def bank(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.sqlite'}"
    db.upgrade_to_head(url)
    with session_scope(url) as session:
        seed_demo(session, TODAY)
    yield url
    db.dispose_engine(url)


def _facts(url, borrower_id):
    with session_scope(url) as session:
        accounts = [facts_for(a, TODAY) for a in repository.list_accounts(session, borrower_id)]
        applications = repository.list_plan_applications(session, borrower_id)
    return accounts, applications


def test_summary_for_a_borrower_in_crisis_with_four_debts(bank):
    accounts, applications = _facts(bank, "demo-multi")
    slots = {"situations": ["income_loss"], "selected_plan": PLAN, "monthly_budget": 1500.0}
    summary = build_case_summary(EVENTS, slots, accounts, applications, TODAY)

    assert json.loads(json.dumps(summary)) == summary  # plain JSON all the way down
    assert summary["generated_on"] == "2026-11-23"
    assert summary["situations"] == [{"code": "income_loss", "label": "收入减少/失业"}]

    by_label = {a["label"]: a for a in summary["accounts"]}
    assert set(by_label) == {"尾号 2290", "尾号 7715", "借款合同尾号 3061", "账户尾号 8826"}
    hill = by_label["尾号 7715"]
    assert hill["lender"] == "远山银行信用卡" and hill["product_label"] == "信用卡"
    assert hill["balance"] == "15800.00" and hill["unpaid_minimum"] == "1580.00"
    assert hill["days_overdue"] == 40 and hill["stage_code"] == "M2"
    facts = {f.label: f for f in accounts}
    assert hill["stage"] == facts["尾号 7715"].stage.label
    assert hill["charges_so_far"] == str(facts["尾号 7715"].charges.total_extra)
    assert by_label["尾号 2290"]["days_overdue"] == 0
    assert by_label["借款合同尾号 3061"]["product_label"] == "消费贷"

    assert summary["offered_plan"]["kind"] == "installment"
    assert summary["offered_plan"]["kind_label"] == "分期"
    assert summary["offered_plan"]["monthly_payment"] == "1413.33"
    assert summary["applications"] == []

    distress = summary["distress"]
    assert distress["level"] == "crisis" and distress["escalate"] is True
    assert any("crisis" in r for r in distress["reasons"])
    # The same reasons as data, for the console: no string to parse.
    assert all(set(sig) == {"code", "args", "turn"} for sig in distress["signals"])
    assert any(sig["code"] == "crisis_in_turns" for sig in distress["signals"])

    last = summary["last_messages"]
    assert len(last) == 10  # 12 user/bot texts in the tracker, the last 10 kept
    assert last[-1]["who"] == "bot" and "12356" in last[-1]["text"]
    assert last[-2] == {"who": "borrower", "text": "我不想活了",
                        "at": last[-2]["at"]} and last[-2]["at"].endswith("+00:00")
    assert last[0]["text"] == "我失业了，这个月工资都没发"

    headline = summary["headline"]
    assert headline.startswith("危机信号")
    assert "远山银行信用卡 尾号 7715" in headline and "等4笔" in headline
    assert "收入减少/失业" in headline


def test_summary_lists_submitted_applications(bank):
    accounts, applications = _facts(bank, "demo-onplan")
    summary = build_case_summary([], {}, accounts, applications, TODAY)
    (application,) = summary["applications"]
    assert application["kind"] == "personalised" and application["kind_label"] == "个性化分期"
    assert application["months"] == 36 and application["monthly_payment"] == "880.00"
    assert application["status"] == "submitted" and application["reference"].startswith("PA-")
    assert summary["accounts"][0]["on_personalised_plan"] is True
    assert summary["distress"]["level"] == "none" and summary["last_messages"] == []
    assert "已提交个性化分期申请" in summary["headline"]


def test_summary_for_someone_not_signed_in_who_keeps_being_misunderstood():
    events = [user("asdkjh", "nlu_fallback", 0.3, 1), bot("抱歉，我没听懂……", 2, "utter_default"),
              user("？？？", "nlu_fallback", 0.2, 3), bot("抱歉……", 4, "utter_default"),
              user("转人工", "request_human", 0.95, 5)]
    summary = build_case_summary(events, {}, [], [], TODAY)
    assert summary["accounts"] == [] and summary["offered_plan"] is None
    assert summary["distress"]["level"] == "none"
    assert summary["distress"]["escalate"] and summary["distress"]["wants_human"]
    assert summary["headline"] == "未登录用户"
