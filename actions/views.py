"""Facts from bot/ turned into response names and placeholder values (numbers as text)."""
from datetime import timedelta
from typing import Any, Dict

from bot import policy as rules
from bot.accounts import AccountFacts
from bot.content import response_text
from bot.formatting import day, percent, yuan


def render(response: str, **values: Any) -> str:
    """One line from a domain.yml response used as a template, so a list (accounts, plans)
    arrives as one message and editors still own the wording."""
    return response_text(response).format(**values)


def stage_response(stage_code: str) -> str:
    return "utter_stage_" + stage_code.replace("+", "_plus")


def account_values(f: AccountFacts) -> Dict[str, Any]:
    return {
        "lender": f.lender,
        "label": f.label,
        "balance": yuan(f.balance),
        "minimum": yuan(f.minimum),
        "unpaid_minimum": yuan(f.unpaid_minimum),
        "due_date": day(f.due_date),
        "days": f.days_overdue,
        "grace_days": f.policy.grace_days,
        "stage_label": f.stage.label,
        "due_name": f.policy.due_name,  # 最低还款 / 月供 …: the product's own word
    }


def rate_values(policy) -> Dict[str, Any]:
    """The overdue rate as a daily rate, how it compounds and annualized (shown since 2021, §2)."""
    rule = policy.interest
    if rule.compound_every_days > 0:
        compounding = render("utter_part_compound", compound_days=rule.compound_every_days)
    else:
        compounding = render("utter_part_simple")
    return {"daily_rate": percent(rule.daily_rate, 2), "compounding": compounding,
            "annual_rate": percent(rules.annual_rate(rule))}


def interest_basis(f: AccountFacts) -> str:
    """What the overdue interest of this account is charged on, per its policy."""
    if f.policy.interest.basis == "balance":
        return render("utter_part_basis_balance", balance=yuan(f.balance))
    return render("utter_part_basis_unpaid", due_name=f.policy.due_name,
                  unpaid_minimum=yuan(f.unpaid_minimum))


def account_line(f: AccountFacts) -> str:
    if f.on_personalised_plan:
        return "utter_account_line_on_plan"
    if not f.is_overdue:
        return "utter_account_line_current"
    if f.in_grace:
        return "utter_account_line_grace"
    return "utter_account_line_overdue"


def status_meaning(code: str) -> str:
    """Report status codes (domain.md §3): N normal, k = overdue 30(k-1)+1 … 30k days, 7 = >180."""
    if code == "N":
        return "正常还款"
    k = int(code)
    if k >= 7:
        return "逾期超过 180 天"
    return f"逾期 {30 * (k - 1) + 1}–{30 * k} 天"


def report_deadline(f: AccountFacts):
    """Last day the minimum can be paid before the overdue becomes reportable."""
    return f.due_date + timedelta(days=f.policy.credit_report.report_after_days)


def plan_values(option) -> Dict[str, Any]:
    return {
        "months": option.months,
        "monthly_payment": yuan(option.monthly_payment),
        "total_interest": yuan(option.total_fee),  # shown as interest (2022 notice)
        "total_repay": yuan(option.total_repay),
        "apr": percent(option.apr),
    }
