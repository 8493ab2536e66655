"""Facts from bot/ turned into response names and placeholder values (numbers as text)."""
from datetime import timedelta
from typing import Any, Dict

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
    }


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
        "total_fee": yuan(option.total_fee),
        "total_repay": yuan(option.total_repay),
        "apr": percent(option.apr),
    }
