"""What the borrower commits to: a reminder before due dates, a promise to pay."""
from datetime import date
from typing import Any, Dict

from rasa_sdk.forms import FormValidationAction

from bot import clock
from bot.accounts import focus_account
from bot.formatting import day, yuan
from bot.settings import settings
from bot.storage import repository

from .plans import _positive_amount
from .turn import BaseAction, Turn

# Reminders further ahead than this are not useful (and a typo is likelier).
_MAX_DAYS_BEFORE = 15


class ActionSetReminder(BaseAction):
    action_name = "action_set_reminder"

    def act(self, turn: Turn) -> None:
        borrower_id = turn.borrower_id()
        if not borrower_id:
            turn.say("utter_reminder_needs_login")
            return
        wanted = turn.entity("days")
        days_before = settings()["reminder_days_before"]
        if wanted is not None and 0 < int(wanted) <= _MAX_DAYS_BEFORE:
            days_before = int(wanted)
        repository.set_reminder(turn.session, borrower_id=borrower_id, days_before=days_before)
        turn.say("utter_reminder_set", days_before=days_before)
        turn.say("utter_autodebit_tip")


class ValidatePromiseForm(FormValidationAction):
    def name(self) -> str:
        return "validate_promise_form"

    def validate_promise_amount(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        amount = _positive_amount(value)
        if amount is None:
            dispatcher.utter_message(response="utter_budget_invalid")
        return {"promise_amount": amount}

    def validate_promise_date(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        try:
            promised = date.fromisoformat(str(value))
        except ValueError:
            return {"promise_date": None}
        if promised < clock.today():
            dispatcher.utter_message(response="utter_promise_date_past")
            return {"promise_date": None}
        return {"promise_date": promised.isoformat()}


class ActionRecordPromise(BaseAction):
    action_name = "action_record_promise"

    def act(self, turn: Turn) -> None:
        amount, promised = turn.slot("promise_amount"), turn.slot("promise_date")
        turn.set("promise_amount", None)
        turn.set("promise_date", None)
        if amount is None or not promised:
            turn.say("utter_ask_promise_amount")
            return
        pay_date = date.fromisoformat(promised)
        borrower_id = turn.borrower_id()
        if not borrower_id:
            turn.say("utter_promise_not_stored", pay_date=day(pay_date), amount=yuan(amount))
            return
        focus = focus_account(turn.accounts(borrower_id))
        repository.record_promise(
            turn.session, borrower_id=borrower_id, amount=amount, promised_on=pay_date,
            account_id=focus.account_id if focus else None, conversation_id=turn.conversation_id)
        target = f"（{focus.lender} {focus.label}）" if focus else ""
        turn.say("utter_promise_recorded", pay_date=day(pay_date), amount=yuan(amount), target=target)
        if focus is not None and focus.unpaid_minimum > 0:
            gap = focus.unpaid_minimum - repository.to_money(amount)
            if gap > 0:
                turn.say("utter_promise_below_minimum", unpaid_minimum=yuan(focus.unpaid_minimum), gap=yuan(gap),
                         due_name=focus.policy.due_name)
            else:
                turn.say("utter_promise_covers_minimum", unpaid_minimum=yuan(focus.unpaid_minimum),
                         due_name=focus.policy.due_name)
        turn.say("utter_offer_reminder", days_before=settings()["reminder_days_before"])
        turn.offer = "reminder"
