"""The case summary an agent reads before answering, so the borrower never has to repeat
themselves (utter_human_requested promises that).

Pure: built from the tracker's events (Rasa's JSON form), the slots, the borrower's
AccountFacts and plan applications. The result is plain JSON (money as strings) and is
stored on the ticket.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.distress import TurnSignal, assess_conversation

from .transcript import iso_time, transcript

LAST_MESSAGES = 10
FALLBACK_INTENT = "nlu_fallback"

SITUATION_LABELS = {
    "income_loss": "收入减少/失业",
    "illness": "生病/医疗支出",
    "business_failure": "经营困难",
    "multiple_debts": "多笔欠款",
    "forgot": "忘记还款日",
    "dispute": "对欠款有异议",
    "fraud": "疑似盗刷/被冒用",
}
def _product_label(product: str) -> str:
    """The product's display name from its policy file (a new product needs no code here)."""
    from bot.policy.policy_file import load_policy

    try:
        return load_policy(product).name
    except ValueError:
        return product
PLAN_LABELS = {"installment": "分期", "personalised": "个性化分期", "extension": "延期还款"}
DISTRESS_LABELS = {"crisis": "危机信号", "possible_crisis": "可能危机", "distress": "情绪困扰",
                   "none": ""}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return str(Decimal(str(value)))
    return value


def _money(value) -> Optional[str]:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _field(obj, name: str):
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def user_turns(events: Iterable[Mapping]) -> List[TurnSignal]:
    turns = []
    for e in events:
        if e.get("event") != "user":
            continue
        intent = (e.get("parse_data") or {}).get("intent") or {}
        name = intent.get("name")
        turns.append(TurnSignal(text=e.get("text") or "", intent=name,
                                confidence=intent.get("confidence"),
                                fallback=name == FALLBACK_INTENT))
    return turns


def last_messages(events: Iterable[Mapping], limit: int = LAST_MESSAGES) -> List[Dict[str, Any]]:
    said = [{"who": m["sender"], "text": m["text"], "at": iso_time(m["ts"])}
            for m in transcript(events)]
    return said[-limit:]


def _account(f) -> Dict[str, Any]:
    return {
        "lender": f.lender,
        "label": f.label,
        "product": f.product,
        "product_label": _product_label(f.product),
        "balance": _money(f.balance),
        "unpaid_minimum": _money(f.unpaid_minimum),
        "due_date": f.due_date.isoformat(),
        "days_overdue": f.days_overdue,
        "stage": f.stage.label,
        "stage_code": f.stage.code,
        "charges_so_far": _money(f.charges.total_extra),
        "reported_to_credit": bool(f.credit.reported),
        "on_personalised_plan": bool(f.on_personalised_plan),
    }


def _application(a) -> Dict[str, Any]:
    kind = _field(a, "kind")
    return {
        "reference": _field(a, "reference"),
        "kind": kind,
        "kind_label": PLAN_LABELS.get(kind, kind),
        "months": _field(a, "months"),
        "days": _field(a, "days"),
        "monthly_payment": _money(_field(a, "monthly_payment")),
        "status": _field(a, "status"),
    }


def _headline(distress_level: str, situations: Sequence[Dict], accounts: Sequence[Dict],
              applications: Sequence[Dict]) -> str:
    """One line for the queue: what is most urgent about this borrower."""
    parts = []
    if DISTRESS_LABELS.get(distress_level):
        parts.append(DISTRESS_LABELS[distress_level])
    if accounts:
        worst = max(accounts, key=lambda a: a["days_overdue"])
        text = f"{worst['lender']} {worst['label']} {worst['stage']}"
        if worst["days_overdue"]:
            text += f"（{worst['days_overdue']}天）"
        if len(accounts) > 1:
            text += f" 等{len(accounts)}笔"
        parts.append(text)
    if situations:
        parts.append("、".join(s["label"] for s in situations))
    if applications:
        parts.append(f"已提交{applications[-1]['kind_label']}申请")
    return " · ".join(parts) or "未登录用户"


def build_case_summary(
    events: Sequence[Mapping],
    slots: Mapping[str, Any],
    accounts: Sequence,
    applications: Sequence,
    today: date,
) -> Dict[str, Any]:
    """Keys: headline, generated_on, situations, accounts, offered_plan, applications,
    distress, last_messages. `accounts` are bot.accounts.AccountFacts; `applications`
    PlanApplication rows or dicts with the same fields."""
    situations = [
        {"code": code, "label": SITUATION_LABELS.get(code, code)}
        for code in (slots.get("situations") or [])
    ]
    account_rows = [_account(f) for f in accounts]
    application_rows = [_application(a) for a in applications]
    assessment = assess_conversation(user_turns(events))
    distress = {
        "level": assessment.level.value,
        "label": DISTRESS_LABELS.get(assessment.level.value, ""),
        "score": str(assessment.score),
        "escalate": assessment.escalate,
        "wants_human": assessment.wants_human,
        "reasons": [str(r) for r in assessment.reasons],
        # The same reasons as data (code, arguments, turn): what the console shows.
        "signals": [r.as_data() if hasattr(r, "as_data") else {"code": str(r), "args": [],
                                                              "turn": None}
                    for r in assessment.reasons],
    }
    plan = slots.get("selected_plan")
    if isinstance(plan, Mapping) and plan.get("kind"):
        plan = {**_jsonable(plan), "kind_label": PLAN_LABELS.get(plan["kind"], plan["kind"])}
    else:
        plan = None
    return {
        "headline": _headline(distress["level"], situations, account_rows, application_rows),
        "generated_on": today.isoformat(),
        "situations": situations,
        "accounts": account_rows,
        "offered_plan": plan,
        "applications": application_rows,
        "distress": distress,
        "last_messages": last_messages(events),
    }
