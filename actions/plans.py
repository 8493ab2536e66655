"""Plans: installments (incl. personalised), extensions, and submitting the chosen one."""
from datetime import date
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot import policy as rules
from bot.accounts import AccountFacts, focus_account
from bot.formatting import day, percent, yuan
from bot.settings import settings
from bot.storage import repository

from .turn import BaseAction, Turn, identity_of
from .views import plan_values, render

# Largest amount we accept as a monthly budget or a debt, in yuan: beyond it is a typo.
_MAX_AMOUNT = 100_000_000


def _positive_amount(value: Any) -> Optional[float]:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return None
    return amount if 0 < amount < _MAX_AMOUNT else None


class ValidateInstallmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_installment_form"

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict) -> List[str]:
        # A verified borrower's balance is known; only a guest is asked for it.
        if identity_of(tracker).status == "ok":
            return [slot for slot in domain_slots if slot != "debt_amount"]
        return domain_slots

    def validate_monthly_budget(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        amount = _positive_amount(value)
        if amount is None:
            dispatcher.utter_message(response="utter_budget_invalid")
        return {"monthly_budget": amount}

    def validate_debt_amount(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        amount = _positive_amount(value)
        if amount is None:
            dispatcher.utter_message(response="utter_budget_invalid")
        return {"debt_amount": amount}


def _term_buttons(options) -> List[Dict[str, str]]:
    return [{"title": f"{o.months}期", "payload": f'/inform{{"months": {o.months}}}'} for o in options]


def _plan(kind: str, borrower_id: Optional[str], focus: Optional[AccountFacts], **numbers) -> Dict:
    """What waits for the borrower's yes: everything submit needs, as plain JSON values."""
    return {
        "kind": kind,
        "borrower_id": borrower_id,
        "account_id": focus.account_id if focus else None,
        "lender": focus.lender if focus else "",
        **{k: (str(v) if v is not None and not isinstance(v, (int, str)) else v) for k, v in numbers.items()},
    }


class ActionOfferInstallment(BaseAction):
    action_name = "action_offer_installment"

    def act(self, turn: Turn) -> None:
        budget = turn.slot("monthly_budget")
        borrower_id = turn.borrower_id()
        focus = None
        if borrower_id:
            focus = focus_account(turn.accounts(borrower_id))
            if focus is None:
                turn.say("utter_no_accounts")
                return
            if focus.on_personalised_plan:
                turn.say("utter_already_on_plan")
                turn.say("utter_offer_human")
                turn.offer = "human"
                return
            policy, principal, lender = focus.policy, focus.balance, focus.lender
        else:
            principal = turn.slot("debt_amount")
            if principal is None:
                turn.say("utter_ask_debt_amount")
                return
            policy, lender = rules.load_policy("credit_card"), ""
        options = rules.installment_options(policy, principal, budget)

        wanted = turn.entity("months")
        chosen = next((o for o in options if wanted is not None and o.months == int(wanted)), None)
        if chosen is not None:
            turn.say("utter_installment_selected", **plan_values(chosen))
            self._await_yes(turn, "installment", borrower_id, focus, chosen, options)
            return

        if options:
            lines = "\n".join(
                render("utter_installment_option", affordable_mark="（在预算内）" if o.affordable else "",
                       **plan_values(o)) for o in options)
            turn.say("utter_installment_intro", principal=yuan(principal), lender=lender, options=lines)
        best = rules.recommend_installment(options, budget)
        if best is not None:
            turn.say_buttons("utter_installment_recommend", _term_buttons(options),
                             budget=yuan(budget), **plan_values(best))
            self._await_yes(turn, "installment", borrower_id, focus, best, options)
        elif budget is None:
            turn.say("utter_installment_general_no_budget")
        else:
            self._personalised(turn, policy, principal, budget, borrower_id, focus, options)
        if "停息" in turn.text:  # they asked about it: warn about paid "停息挂账" agents
            turn.say("utter_stop_interest_agents_warning")

    @staticmethod
    def _await_yes(turn, kind, borrower_id, focus, option, options) -> None:
        turn.set("selected_plan", _plan(
            kind, borrower_id, focus, months=option.months, monthly_payment=option.monthly_payment,
            apr=option.apr, total_repay=option.total_repay, total_fee=option.total_fee))
        turn.offer = "installment_confirm"

    def _personalised(self, turn, policy, principal, budget, borrower_id, focus, options) -> None:
        max_months = policy.personalised.max_months
        longest = max(options, key=lambda o: o.months) if options else None
        if focus is None:
            turn.say("utter_personalised_general", budget=yuan(budget), max_months=max_months)
            return
        result = rules.personalised_eligibility(
            policy, principal, budget, focus.days_overdue,
            already_on_personalised=focus.on_personalised_plan)
        if result.eligible:
            turn.say(
                "utter_personalised_eligible",
                max_standard_months=longest.months if longest else 0,
                min_standard_payment=yuan(longest.monthly_payment) if longest else yuan(0),
                budget=yuan(budget), max_months=result.max_months,
                suggested_months=result.suggested_months,
                monthly_payment=yuan(result.monthly_payment),
            )
            turn.set("selected_plan", _plan(
                "personalised", borrower_id, focus, months=result.suggested_months,
                monthly_payment=result.monthly_payment))
            turn.offer = "installment_confirm"
            return
        reason = result.reasons[0] if result.reasons else "other"
        response = {
            rules.eligibility.NOT_OVERDUE: "utter_personalised_not_eligible_not_overdue",
            rules.eligibility.OVERDUE_TOO_SHORT: "utter_personalised_not_eligible_not_overdue",
            rules.eligibility.ALREADY_ON_PERSONALISED: "utter_personalised_not_eligible_already_on_personalised",
            rules.eligibility.BUDGET_TOO_LOW_EVEN_60: "utter_personalised_not_eligible_budget_too_low_even_60",
        }.get(reason, "utter_personalised_not_eligible_other")
        turn.say(response, budget=yuan(budget), max_months=max_months)
        turn.say("utter_offer_human")
        turn.offer = "human"


class ActionOfferExtension(BaseAction):
    action_name = "action_offer_extension"

    def act(self, turn: Turn) -> None:
        borrower_id = turn.borrower_id()
        ext_rule = rules.load_policy("credit_card").extension
        if not borrower_id:
            turn.say("utter_extension_general",
                     days_options="、".join(str(d) for d in ext_rule.days),
                     cooldown_months=ext_rule.once_per_months)
            return
        accounts = turn.accounts(borrower_id)
        focus = focus_account(accounts)
        if focus is None:
            turn.say("utter_no_accounts")
            return
        policy = focus.policy
        result = rules.extension_options(
            policy, focus.days_overdue, focus.unpaid_minimum, focus.balance,
            focus.last_extension_on, turn.today, focus.due_date)
        values = {"lender": focus.lender, "label": focus.label, "days": focus.days_overdue,
                  "due_date": day(focus.due_date), "minimum": yuan(focus.unpaid_minimum)}
        if not result.eligible:
            self._not_eligible(turn, result, policy, focus, values)
            return

        wanted = turn.entity("days")
        chosen = next((o for o in result.options if wanted is not None and o.days == int(wanted)), None)
        if chosen is None and turn.intent == "affirm":
            chosen = result.options[0]
        if chosen is None:
            lines = "\n".join(render("utter_extension_option", **self._values(o)) for o in result.options)
            turn.say("utter_extension_intro", options=lines, **values)
            buttons = [{"title": f"延期{o.days}天", "payload": f'/inform{{"days": {o.days}}}'}
                       for o in result.options]
            turn.say_buttons("utter_extension_choose", buttons)
            turn.offer = "extension"
            return
        turn.say("utter_extension_selected", **self._values(chosen))
        turn.set("selected_plan", _plan(
            "extension", borrower_id, focus, days=chosen.days, new_due_date=chosen.new_due_date.isoformat(),
            fee=chosen.fee, interest=chosen.interest_during))
        turn.offer = "extension_confirm"

    @staticmethod
    def _values(option) -> Dict[str, Any]:
        return {"days": option.days, "new_due_date": day(option.new_due_date),
                "interest": yuan(option.interest_during), "fee": yuan(option.fee)}

    @staticmethod
    def _not_eligible(turn, result, policy, focus, values) -> None:
        rule = policy.extension
        if result.reason == rules.extension.TOO_FAR_OVERDUE:
            turn.say("utter_extension_not_eligible_too_overdue", max_days=rule.max_days_overdue, **values)
            turn.offer = "installment"
        elif result.reason == rules.extension.USED_RECENTLY:
            turn.say("utter_extension_not_eligible_recently_extended",
                     last_extension=day(focus.last_extension_on, weekday=False),
                     cooldown_months=rule.once_per_months)
            turn.offer = "installment"
        elif result.reason == rules.extension.NOTHING_DUE or not focus.is_overdue:
            turn.say("utter_extension_not_eligible_not_overdue", **values)
        else:
            turn.say("utter_extension_not_eligible_other")
            turn.offer = "installment"


class ActionSubmitApplication(BaseAction):
    """Stores the plan waiting for a yes. The lender decides; a second yes stores nothing new."""

    action_name = "action_submit_application"

    def act(self, turn: Turn) -> None:
        plan = turn.slot("selected_plan") or {}
        if not plan.get("kind"):
            turn.say("utter_no_plan_to_submit")
            return
        borrower_id = turn.borrower_id()
        if not borrower_id:
            turn.say("utter_plan_needs_login")
            return
        account = repository.get_account(turn.session, plan.get("account_id") or -1, borrower_id=borrower_id)
        if plan.get("borrower_id") != borrower_id or account is None:
            # A plan computed for someone else (or for nobody) is never submitted.
            turn.set("selected_plan", None)
            turn.say("utter_no_plan_to_submit")
            return
        row, created = repository.submit_plan_application(
            turn.session, borrower_id=borrower_id, account_id=account.id, kind=plan["kind"],
            today=turn.today, months=plan.get("months"), days=plan.get("days"),
            monthly_payment=plan.get("monthly_payment"), apr=plan.get("apr"),
            total_repay=plan.get("total_repay"), conversation_id=turn.conversation_id)
        if not created:
            turn.say("utter_application_already_submitted", reference=row.reference)
            return
        values = {"reference": row.reference, "lender": account.lender}
        if plan["kind"] == "extension":
            turn.say("utter_application_submitted_extension", days=plan["days"],
                     new_due_date=day(date.fromisoformat(plan["new_due_date"])), **values)
        else:
            turn.say(f"utter_application_submitted_{plan['kind']}", months=plan["months"],
                     monthly_payment=yuan(plan["monthly_payment"]),
                     apr=percent(plan["apr"]) if plan.get("apr") else "", **values)
