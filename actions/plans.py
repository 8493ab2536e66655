"""Plans: installments (incl. personalised), extensions, and submitting the chosen one."""
from datetime import date
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot import policy as rules
from bot.accounts import AccountFacts, facts_for, focus_account
from bot.formatting import day, percent, yuan
from bot.settings import settings
from bot.storage import repository

from .turn import BaseAction, Turn, identity_of
from .views import account_values, plan_values, rate_values, render

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


def _guest_policy():
    """Without an account we explain the rules of the example product (bot/settings.yml)."""
    return rules.load_policy(settings()["example_account"]["product"])


def _plan(kind: str, borrower_id: Optional[str], focus: Optional[AccountFacts], **choice) -> Dict:
    """What waits for the borrower's yes. Only kind, account and months or days count: submit
    recomputes every figure. The figures here are for the case summary an agent reads."""
    return {
        "kind": kind,
        "borrower_id": borrower_id,
        "account_id": focus.account_id if focus else None,
        "lender": focus.lender if focus else "",
        **{k: (str(v) if v is not None and not isinstance(v, (int, str)) else v) for k, v in choice.items()},
    }


# What a longer schedule rests on (policy `personalised.basis`) decides the wording: Art. 70
# is a card rule (domain.md §4); loans and other credit renegotiate with the lender.
_PERSONALISED_OFFER = {"card_art70": "utter_personalised_eligible", "negotiated": "utter_restructure_eligible"}
_PERSONALISED_SUBMITTED = {"card_art70": "utter_application_submitted_personalised",
                           "negotiated": "utter_application_submitted_restructure"}


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
            policy, lender = _guest_policy(), ""
        options = rules.installment_options(policy, principal, budget)

        wanted = turn.entity("months")
        chosen = next((o for o in options if wanted is not None and o.months == int(wanted)), None)
        if chosen is not None:
            turn.say("utter_installment_selected", **plan_values(chosen))
            self._await_yes(turn, "installment", borrower_id, focus, chosen)
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
            self._await_yes(turn, "installment", borrower_id, focus, best)
        elif budget is None:
            turn.say("utter_installment_general_no_budget")
        else:
            self._personalised(turn, policy, principal, budget, borrower_id, focus, options)
        if "停息" in turn.text:  # they asked about it: warn about paid "停息挂账" agents
            turn.say("utter_stop_interest_agents_warning")

    @staticmethod
    def _await_yes(turn, kind, borrower_id, focus, option) -> None:
        turn.set("selected_plan", _plan(
            kind, borrower_id, focus, months=option.months, monthly_payment=option.monthly_payment,
            apr=option.apr, total_repay=option.total_repay, total_fee=option.total_fee))
        turn.offer = "installment_confirm"

    def _personalised(self, turn, policy, principal, budget, borrower_id, focus, options) -> None:
        rule = policy.personalised
        if focus is None:
            turn.say("utter_personalised_general", budget=yuan(budget), max_months=rule.max_months)
            return
        values = account_values(focus)
        result = rules.personalised_eligibility(
            policy, principal, budget, focus.days_overdue,
            already_on_personalised=focus.on_personalised_plan,
            # without standard terms the contract's own payment is the one to compare
            regular_payment=None if options else focus.minimum)
        estimate = {"monthly_payment": yuan(result.monthly_payment) if result.monthly_payment else "",
                    "apr": percent(result.apr) if result.apr is not None else ""}
        if result.eligible:
            if options:
                longest = max(options, key=lambda o: o.months)
                turn.say("utter_personalised_standard_too_high", budget=yuan(budget), **plan_values(longest))
            else:
                turn.say("utter_personalised_regular_too_high", budget=yuan(budget), **values)
            turn.say(_PERSONALISED_OFFER[rule.basis], max_months=result.max_months,
                     suggested_months=result.suggested_months, lender=focus.lender, **estimate)
            turn.set("selected_plan", _plan(
                "personalised", borrower_id, focus, months=result.suggested_months,
                monthly_payment=result.monthly_payment, apr=result.apr,
                total_repay=result.estimate.total_repay))
            turn.offer = "installment_confirm"
            return
        reason = result.reasons[0] if result.reasons else "other"
        if reason == rules.eligibility.AFFORDABLE_REGULAR_PAYMENT:
            turn.say("utter_restructure_not_needed", budget=yuan(budget), **values)
        else:
            response = {
                rules.eligibility.NOT_OVERDUE: "utter_personalised_not_eligible_not_overdue",
                rules.eligibility.ALREADY_ON_PERSONALISED: "utter_personalised_not_eligible_already_on_personalised",
                rules.eligibility.BUDGET_TOO_LOW_EVEN_60: "utter_personalised_not_eligible_budget_too_low_even_60",
            }.get(reason, "utter_personalised_not_eligible_other")
            turn.say(response, budget=yuan(budget), max_months=rule.max_months, **{**values, **estimate})
        turn.say("utter_offer_human")
        turn.offer = "human"


class ActionOfferExtension(BaseAction):
    action_name = "action_offer_extension"

    def act(self, turn: Turn) -> None:
        borrower_id = turn.borrower_id()
        if not borrower_id:
            ext_rule = _guest_policy().extension
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
        values = account_values(focus)
        if not result.eligible:
            self._not_eligible(turn, result, policy, focus, values)
            return

        wanted = turn.entity("days")
        chosen = next((o for o in result.options if wanted is not None and o.days == int(wanted)), None)
        if chosen is None and turn.intent == "affirm":
            chosen = result.options[0]
        if chosen is None:
            lines = "\n".join(render("utter_extension_option", **self._values(o)) for o in result.options)
            turn.say("utter_extension_intro", options=lines, **values, **rate_values(policy))
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
        elif result.reason == rules.extension.NOT_OFFERED:
            turn.say("utter_extension_not_offered", **values)
            turn.offer = "installment"
        elif result.reason in (rules.extension.NOT_OVERDUE, rules.extension.NOTHING_DUE) or not focus.is_overdue:
            turn.say("utter_extension_not_eligible_not_overdue", **values)
        else:
            turn.say("utter_extension_not_eligible_other")
            turn.offer = "installment"


def _whole(value: Any) -> Optional[int]:
    """A month or day count named by the plan slot; anything else is not a choice."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def recompute_plan(kind: str, plan: Dict, facts: AccountFacts, today: date) -> Optional[Dict[str, Any]]:
    """Every figure of the chosen plan, computed again from the policy and the stored account.
    The slot only names the choice (kind and months or days); None if that choice is not one
    the policy offers this account today."""
    policy = facts.policy
    if kind == "installment":
        months = _whole(plan.get("months"))
        if facts.on_personalised_plan:
            return None
        option = next((o for o in rules.installment_options(policy, facts.balance) if o.months == months), None)
        if option is None:
            return None
        return {"months": option.months, "days": None, "monthly_payment": option.monthly_payment,
                "apr": option.apr, "total_repay": option.total_repay}
    if kind == "personalised":
        if rules.blocking_reasons(policy, facts.balance, facts.days_overdue, facts.on_personalised_plan):
            return None
        estimate = rules.personalised_estimate(policy, facts.balance, _whole(plan.get("months")))
        if estimate is None:
            return None
        return {"months": estimate.months, "days": None, "monthly_payment": estimate.monthly_payment,
                "apr": estimate.apr, "total_repay": estimate.total_repay}
    if kind == "extension":
        days = _whole(plan.get("days"))
        result = rules.extension_options(policy, facts.days_overdue, facts.unpaid_minimum, facts.balance,
                                         facts.last_extension_on, today, facts.due_date)
        option = next((o for o in result.options if o.days == days), None)
        if option is None:
            return None
        return {"months": None, "days": option.days, "monthly_payment": None, "apr": None,
                "total_repay": None, "new_due_date": option.new_due_date}
    return None


class ActionSubmitApplication(BaseAction):
    """Stores the plan waiting for a yes, every figure recomputed here. The lender decides;
    a second yes stores nothing new."""

    action_name = "action_submit_application"

    def act(self, turn: Turn) -> None:
        plan = turn.slot("selected_plan")
        plan = plan if isinstance(plan, dict) else {}
        if not plan.get("kind"):
            turn.say("utter_no_plan_to_submit")
            return
        borrower_id = turn.borrower_id()
        if not borrower_id:
            turn.say("utter_plan_needs_login")
            return
        account_id = plan.get("account_id")
        account = None
        if isinstance(account_id, int) and not isinstance(account_id, bool):
            account = repository.get_account(turn.session, account_id, borrower_id=borrower_id)
        figures = None
        if plan.get("borrower_id") == borrower_id and account is not None:
            facts = facts_for(account, turn.today)
            figures = recompute_plan(plan["kind"], plan, facts, turn.today)
        if figures is None:
            # Someone else's plan, a plan for nobody, or one the policy does not offer: never stored.
            turn.set("selected_plan", None)
            turn.say("utter_no_plan_to_submit")
            return
        kind = plan["kind"]
        row, created = repository.submit_plan_application(
            turn.session, borrower_id=borrower_id, account_id=account.id, kind=kind,
            today=turn.today, months=figures["months"], days=figures["days"],
            monthly_payment=figures["monthly_payment"], apr=figures["apr"],
            total_repay=figures["total_repay"], conversation_id=turn.conversation_id)
        if not created:
            turn.say("utter_application_already_submitted", reference=row.reference)
            return
        values = {"reference": row.reference, "lender": account.lender}
        if kind == "extension":
            turn.say("utter_application_submitted_extension", days=figures["days"],
                     new_due_date=day(figures["new_due_date"]), **values)
            return
        response = ("utter_application_submitted_installment" if kind == "installment"
                    else _PERSONALISED_SUBMITTED[facts.policy.personalised.basis])
        turn.say(response, months=figures["months"], monthly_payment=yuan(figures["monthly_payment"]),
                 apr=percent(figures["apr"]), **values)
