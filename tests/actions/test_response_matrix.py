"""Every response the plan, fee, credit, account and commitment actions can send, rendered for
every demo borrower, for every product × stage (synthetic borrowers built from the policy
files) and for a guest, and checked mechanically against domain.md and the policy files.

Nothing here names a product, a response or a number: a new policy file, demo borrower or
response is picked up as it is (a response no scenario reaches fails the coverage check).
"""
import re
import string
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from actions.accounts import ActionAcknowledgeSituation, ActionCheckDebt
from actions.commitments import ActionRecordPromise, ActionSetReminder
from actions.credit import ActionExplainCreditImpact
from actions.fees import ActionExplainLateFees
from actions.plans import ActionOfferExtension, ActionOfferInstallment, ActionSubmitApplication
from bot import policy as rules
from bot.accounts import facts_for, focus_account
from bot.content import response_text
from bot.formatting import percent, yuan
from bot.settings import settings
from bot.storage import db, repository
from bot.storage.db import session_scope
from bot.storage.demo import DEMO_IDS, seed_demo
from bot.storage.models import Account, Borrower
from tests.actions.support import DATA, TODAY, make_tracker, run, slot_events, token_for

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
# Owned by the safety work (domain.md §6, §4 scams, §3 fears): checked by their own tests.
SAFETY = ("utter_crisis_", "utter_possible_crisis_", "utter_safety_check_no", "utter_scam_",
          "utter_fear_", "utter_distress_support")
ACTION_FILES = ("plans", "fees", "credit", "accounts", "commitments")
# Placeholders that may honestly be zero or empty (charges not yet due, an optional mark).
MAY_BE_ZERO = {"penalty", "interest", "total_extra", "fee", "today_total", "d7_total", "d30_total",
               "example_penalty", "example_interest", "affordable_mark", "penalty_floor"}
GUEST = "guest"
# One synthetic borrower per product × stage: days late chosen from the stage bands.
STAGE_DAYS = {"current": -5, "grace": 1, "M1": 20, "M2": 45, "M3": 75, "M3+": 200}
BUDGETS = (50, 300, 800, 1500, 3000, 99999)


def _synthetic_ids():
    ids = [f"matrix-{p}-{code}" for p in rules.PRODUCTS for code in STAGE_DAYS]
    return ids + [f"matrix-{p}-onplan" for p in rules.PRODUCTS]


def _add_synthetic(session):
    for product in rules.PRODUCTS:
        for code, late in [*STAGE_DAYS.items(), ("onplan", -5)]:
            borrower = Borrower(id=f"matrix-{product}-{code}", display_name="测试用户")
            due = TODAY - timedelta(days=late)
            borrower.accounts.append(Account(
                product=product, lender="测试放贷机构", label="尾号 0001", balance=Decimal("20000.00"),
                minimum_payment=Decimal("2000.00"), statement_date=due - timedelta(days=20),
                due_date=due, on_personalised_plan=code == "onplan"))
            session.add(borrower)


def _scenarios(policy_days, policy_months):
    """(action, intent, text, entities, slots) for one borrower; submit follows every offer."""
    yield ActionCheckDebt(), "check_debt", "我欠多少", [], {}
    for intent, text in (("income_loss", "我失业了"), ("forgot_due_date", "忘了还款日"),
                         ("multiple_debts", "好几家都欠着")):
        yield ActionAcknowledgeSituation(), intent, text, [], {}
    yield ActionExplainLateFees(), "ask_late_fee", "逾期费用怎么算", [], {}
    yield ActionExplainCreditImpact(), "ask_credit_impact", "影响征信吗", [], {}
    for budget in (None, *BUDGETS):
        yield ActionOfferInstallment(), "inform", "停息挂账行吗", [], {"monthly_budget": budget,
                                                                  "debt_amount": 20000}
    for months in policy_months:
        yield (ActionOfferInstallment(), "inform", f"{months}期", [{"entity": "months", "value": months}],
               {"monthly_budget": 1500, "debt_amount": 20000})
    yield ActionOfferExtension(), "request_extension", "能晚几天吗", [], {}
    yield ActionOfferExtension(), "affirm", "好", [], {}
    for days in policy_days:
        yield ActionOfferExtension(), "inform", f"{days}天", [{"entity": "days", "value": days}], {}
    for amount in (100, 99999):
        yield (ActionRecordPromise(), "promise_to_pay", "我下周还", [],
               {"promise_amount": amount, "promise_date": (TODAY + timedelta(days=3)).isoformat()})
    yield ActionSetReminder(), "inform", "提醒我", [], {}


def _text(message):
    values = {k: v for k, v in message.items() if k not in ("response", "buttons", "text", "template")}
    return response_text(message["response"]).format(**values)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """{borrower: [(message, text)]} plus the facts every check compares against."""
    with pytest.MonkeyPatch.context() as mp:
        url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'bot.sqlite'}"
        mp.setenv("DATABASE_URL", url)
        mp.setenv("BOT_TODAY", TODAY.isoformat())
        mp.setenv("BOT_TOKEN_SECRET", "test-secret-for-action-tests-0123456789")
        mp.setenv("BOT_HANDOFF_SETTINGS", str(DATA / "handoff_always_open.yml"))
        db.upgrade_to_head(url)
        with session_scope(url) as session:
            seed_demo(session, TODAY)
            _add_synthetic(session)
        all_days = sorted({d for p in rules.PRODUCTS for d in rules.load_policy(p).extension.days})
        all_months = sorted({t.months for p in rules.PRODUCTS for t in rules.load_policy(p).installment.terms})
        out = {}
        for borrower in (*DEMO_IDS, *_synthetic_ids(), GUEST):
            token = None if borrower == GUEST else token_for(borrower)
            said = []
            for action, intent, text, entities, slots in _scenarios(all_days, all_months):
                tracker = make_tracker(text, intent, entities=entities, token=token, slots=slots,
                                       sender=f"matrix-{borrower}")
                messages, events = run(action, tracker)
                said += messages
                plan = slot_events(events).get("selected_plan")
                if plan:
                    submitted, _ = run(ActionSubmitApplication(), make_tracker(
                        "提交", "affirm", token=token, slots={"selected_plan": plan},
                        sender=f"matrix-{borrower}"))
                    said += submitted
            out[borrower] = [(m, _text(m)) for m in said]
        with session_scope(url) as session:
            facts = {b: [facts_for(a, TODAY) for a in repository.list_accounts(session, b)]
                     for b in out if b != GUEST}
        db.dispose_engine(url)
    return out, facts


# ------------------------------------------------------------------ what the policy computes


def _guest_policy():
    return rules.load_policy(settings()["example_account"]["product"])


def _expected(borrower, facts):
    """Every yuan amount and rate the policy computes for this borrower (strings as shown)."""
    amounts, rates = set(), set()
    accounts = facts.get(borrower, [])
    policies = [f.policy for f in accounts] or [_guest_policy()]
    principals = [f.balance for f in accounts] or [Decimal(20000)]
    for f in accounts:
        amounts |= {yuan(x) for x in (f.balance, f.minimum, f.unpaid_minimum, f.charges.penalty,
                                      f.charges.interest, f.charges.total_extra)}
        for w in rules.cost_of_waiting(f.policy, f.balance, f.unpaid_minimum, f.due_date,
                                       f.statement_date, TODAY):
            amounts.add(yuan(w.total_extra))
        for option in rules.extension_options(f.policy, f.days_overdue, f.unpaid_minimum, f.balance,
                                              f.last_extension_on, TODAY, f.due_date).options:
            amounts |= {yuan(option.fee), yuan(option.interest_during)}
        for amount in (100, 99999):
            amounts.add(yuan(abs(f.unpaid_minimum - amount)))
    example = settings()["example_account"]
    if not accounts:
        due = TODAY - timedelta(days=example["days_overdue"])
        charges = rules.accrued_charges(_guest_policy(), Decimal(example["balance"]),
                                        Decimal(example["minimum"]), due, due - timedelta(days=20), TODAY)
        amounts |= {yuan(x) for x in (example["balance"], example["minimum"], charges.total_extra,
                                      charges.penalty, charges.interest)}
    amounts |= {yuan(b) for b in BUDGETS} | {yuan(100), yuan(99999)}
    for policy in policies:
        amounts.add(yuan(policy.penalty.floor))
        rates |= {percent(policy.penalty.rate, 0), percent(policy.interest.daily_rate, 2),
                  percent(rules.annual_rate(policy.interest))}
        for principal in principals:
            for o in rules.installment_options(policy, principal):
                amounts |= {yuan(o.monthly_payment), yuan(o.total_fee), yuan(o.total_repay)}
                rates.add(percent(o.apr))
            amounts.add(yuan(principal))
            rule = policy.personalised
            for months in range(rule.min_months, rule.max_months + 1):
                estimate = rules.personalised_estimate(policy, principal, months)
                amounts.add(yuan(estimate.monthly_payment))
                rates.add(percent(estimate.apr))
    return amounts, rates


def _sentences(text):
    return [s for s in re.split(r"[。\n]", text) if s.strip()]


def _placeholders(template):
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _all(matrix):
    out, _ = matrix
    for borrower, said in out.items():
        for message, text in said:
            yield borrower, message, text


# ------------------------------------------------------------------ the checks


def test_every_figure_is_filled(matrix):
    bad = []
    for borrower, message, text in _all(matrix):
        template = response_text(message["response"])
        for name in _placeholders(template):
            value = str(message.get(name, ""))
            if name in MAY_BE_ZERO or (borrower == GUEST and name == "lender"):
                continue  # a guest has no lender: "按 X 分期，可选的期数如下"
            if value.strip() in ("", "0", "0 元", "0.0%", "0.00%", "None") or "{" in value:
                bad.append((borrower, message["response"], name, value))
        if re.search(r"\{\w*\}|None", text):
            bad.append((borrower, message["response"], "unfilled", text))
    assert not bad, bad[:20]


def test_every_amount_and_rate_is_the_policys_own(matrix):
    out, facts = matrix
    bad = []
    for borrower, said in out.items():
        amounts, rates = _expected(borrower, facts)
        for message, text in said:
            for amount in re.findall(r"\d[\d,]*(?:\.\d+)? 元", text):
                if amount not in amounts:
                    bad.append((borrower, message["response"], amount))
            for rate in re.findall(r"\d+(?:\.\d+)?%", text):
                if rate not in rates:
                    bad.append((borrower, message["response"], rate))
    assert not bad, bad[:20]


def test_each_plan_line_matches_its_own_schedule(matrix):
    """A term's payment, interest, total and rate belong together (not just to some plan)."""
    out, facts = matrix
    bad = []
    for borrower, said in out.items():
        accounts = facts.get(borrower, [])
        focus = focus_account(accounts)
        policy = focus.policy if focus else _guest_policy()
        principal = focus.balance if focus else Decimal(20000)
        options = {o.months: o for o in rules.installment_options(policy, principal)}
        for message, text in said:
            for months, pay, interest, total, apr in re.findall(
                    r"(\d+) 期：每月 ([\d,.]+ 元)，利息共 ([\d,.]+ 元)，共还 ([\d,.]+ 元)，年化约 ([\d.]+%)", text):
                o = options.get(int(months))
                if o is None or (pay, interest, total, apr) != (
                        yuan(o.monthly_payment), yuan(o.total_fee), yuan(o.total_repay), percent(o.apr)):
                    bad.append((borrower, message["response"], months))
            for months, pay, apr in re.findall(r"(\d+) 个月[^。]*?每月约 ([\d,.]+ 元)[^。]*?年化约 ([\d.]+%)", text):
                estimate = rules.personalised_estimate(policy, principal, int(months))
                if estimate is None or (pay, apr) != (yuan(estimate.monthly_payment), percent(estimate.apr)):
                    bad.append((borrower, message["response"], months, pay, apr))
    assert not bad, bad[:20]


def _forbidden_words(policy):
    """Words that belong to another product's rules, derived from this product's policy."""
    words = set()
    if policy.due_name != "最低还款":
        words.add("最低还款")
    if policy.penalty.rate == 0:
        words.add("违约金")
    if policy.personalised.basis != "card_art70":
        words |= {"个性化分期", "信用卡"}
    return words


def test_products_never_get_another_products_words(matrix):
    out, facts = matrix
    bad = []
    for borrower, said in out.items():
        accounts = facts.get(borrower, [])
        if not accounts or len({f.product for f in accounts}) > 1:
            continue  # a guest hears the general rules; mixed borrowers have both kinds
        words = _forbidden_words(accounts[0].policy)
        for message, text in said:
            if message["response"].startswith(SAFETY) or message["response"] == "utter_multiple_debts_warning":
                continue
            found = [w for w in words if w in text]
            if found:
                bad.append((borrower, message["response"], found))
    assert not bad, bad[:20]


def test_every_payment_is_shown_with_its_annual_rate(matrix):
    payment = re.compile(r"(?<!您)每月约? ?[\d,.]+ 元(?! ?的预算)")
    bad = [(b, m["response"], s) for b, m, t in _all(matrix) for s in _sentences(t)
           if payment.search(s) and "年化" not in s]
    assert not bad, bad[:20]


PROMISES = [r"短信|App 通知", r"一定(会|能)", r"保证", r"肯定(会|能)", r"已(经)?(批准|同意|办好)",
            r"(?<!一般)不会留下逾期记录", r"越往后协商空间越小", r"按约定不收"]


def test_no_promise_of_what_the_lender_decides(matrix):
    bad = []
    for borrower, message, text in _all(matrix):
        for pattern in PROMISES:
            if re.search(pattern, text):
                bad.append((borrower, message["response"], pattern))
        if "申请" in text and re.search("同意|批准", text) and "决定" not in text:
            bad.append((borrower, message["response"], "approval without who decides"))
    assert not bad, bad[:20]


def test_no_fee_rate_or_years_typed_into_a_response():
    typed = re.compile(r"\d+(\.\d+)?\s*(元|%|％)|(?<!\d)\d{1,3}\s*(年|个月|期)")
    bad = [(name, v["text"]) for name, variants in RESPONSES.items() if not name.startswith(SAFETY)
           for v in variants if typed.search(v.get("text") or "")]
    assert not bad, bad


def test_every_response_the_actions_can_send_is_in_the_matrix(matrix):
    sent = {m["response"] for _, m, _ in _all(matrix)}
    named = set()
    for name in ACTION_FILES:
        code = (ROOT / "actions" / f"{name}.py").read_text(encoding="utf-8")
        named |= set(re.findall(r"\"(utter_[a-z0-9_]*[a-z0-9])\"", code))
        # parts of a message (rendered into another response) and form validators' answers
        named -= set(re.findall(r"render\(\s*\"(utter_[a-z0-9_]+)\"", code))
        named -= {r for cls in re.findall(r"class Validate\w+\(FormValidationAction\):(.*?)(?=\nclass |\Z)",
                                          code, re.S) for r in re.findall(r"\"(utter_[a-z0-9_]+)\"", cls)}
    named |= {"utter_stage_" + code.replace("+", "_plus") for code in STAGE_DAYS}
    # Not reachable from a policy file today (kept for policies that may need them).
    unreachable = {"utter_personalised_not_eligible_other", "utter_extension_not_eligible_other",
                   "utter_extension_not_eligible_recently_extended", "utter_no_accounts",
                   "utter_personalised_not_eligible_already_on_personalised", "utter_ask_debt_amount",
                   "utter_ask_promise_amount", "utter_reminder_needs_login", "utter_plan_needs_login",
                   "utter_no_plan_to_submit"}
    missing = sorted(named - sent - unreachable - {r for r in named if r not in RESPONSES})
    assert not missing, f"add a scenario that reaches: {missing}"
