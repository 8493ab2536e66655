"""Through REST, as the app would: the loan's longer-schedule path and the online credit line,
each in its own product's words (domain.md §4; rules from bot/policy/products/)."""
import re

import pytest
from sqlalchemy import select

from bot import policy as rules
from bot.formatting import percent, yuan
from bot.identity import issue_token
from bot.storage.db import session_scope
from bot.storage.models import PlanApplication

pytestmark = pytest.mark.conversation


def _applications(stack, borrower_id):
    with session_scope(stack["env"]["DATABASE_URL"]) as session:
        return list(session.execute(
            select(PlanApplication).where(PlanApplication.borrower_id == borrower_id)).scalars())


def test_loan_borrower_with_a_small_budget_gets_a_renegotiated_schedule(stack, chat):
    me = chat(token=issue_token("demo-m3"))
    answer = me.text("我失业了，贷款已经还不上好几个月了")
    assert "青禾消费金融" in answer and "月供" in answer
    assert "每个月" in me.text("好的")
    answer = me.text("每个月最多能还800")
    for card_word in ("个性化分期", "最低还款", "违约金", "信用卡"):
        assert card_word not in answer, card_word
    assert not re.search(r"(?<![\d,.])0 (期|元)", answer)  # no "最长的 0 期，每月 0 元"
    assert "重新约定还款计划" in answer and "年化约" in answer and "审核决定" in answer
    months, payment, apr = re.search(r"约需 (\d+) 个月，每月约 ([\d,.]+ 元)，年化约 ([\d.]+%)", answer).groups()
    estimate = rules.personalised_estimate(rules.load_policy("consumer_loan"), 28600, int(months))
    assert (payment, apr) == (yuan(estimate.monthly_payment), percent(estimate.apr))
    answer = me.text("好，提交吧")
    assert "PA-" in answer and "审核决定" in answer and apr in answer
    (row,) = _applications(stack, "demo-m3")
    assert row.kind == "personalised" and row.months == int(months)
    assert row.monthly_payment == estimate.monthly_payment and row.apr == estimate.apr


def test_online_credit_borrower_hears_its_own_rules(stack, chat):
    policy = rules.load_policy("online_credit")
    me = chat(token=issue_token("demo-online"))
    answer = me.text("我欠了多少钱")
    assert "云朵信用付" in answer and policy.due_name in answer and "最低还款" not in answer
    answer = me.text("逾期了要多付多少钱")
    assert "违约金" not in answer and "最低还款" not in answer
    assert percent(rules.annual_rate(policy.interest)) in answer and "按单利计算" in answer
    answer = me.text("能不能延期几天还")
    assert "不提供延期" in answer
