"""The borrower's accounts and situation: check_debt, and the answer to "this happened to me"."""
from bot.accounts import focus_account, prioritise
from bot.settings import settings
from bot.situations import offer_for, remember, situation_for

from .turn import BaseAction, Turn
from .views import account_line, account_values, render, stage_response


def say_accounts(turn: Turn, borrower_id: str, accounts) -> None:
    shown = prioritise(accounts)[: settings()["max_accounts_listed"]]
    lines = "\n".join(render(account_line(f), **account_values(f)) for f in shown)
    turn.say("utter_accounts_header", name=turn.borrower_name(borrower_id), count=len(accounts),
             accounts=lines)


class ActionCheckDebt(BaseAction):
    action_name = "action_check_debt"

    def act(self, turn: Turn) -> None:
        borrower_id = turn.borrower_id(required=True)
        if not borrower_id:
            turn.say("utter_situation_general_facts")
            return
        accounts = turn.accounts(borrower_id)
        if not accounts:
            turn.say("utter_no_accounts")
            return
        say_accounts(turn, borrower_id, accounts)


class ActionAcknowledgeSituation(BaseAction):
    """Understanding first (fitting the situation), then the borrower's own facts, then an offer."""

    action_name = "action_acknowledge_situation"

    def act(self, turn: Turn) -> None:
        situation = situation_for(turn.intent, turn.text) or "income_loss"
        turn.set("situations", remember(turn.slot("situations"), situation))
        turn.say(f"utter_situation_{situation}")

        borrower_id = turn.borrower_id()
        accounts = turn.accounts(borrower_id) if borrower_id else []
        focus = focus_account(accounts)
        if focus is None:
            turn.say("utter_situation_general_facts")
        else:
            turn.say(stage_response(focus.stage.code), due_name=focus.policy.due_name)
            say_accounts(turn, borrower_id, accounts)
        if situation == "multiple_debts":
            if len(accounts) > 1:
                order = "，".join(f"{f.lender}（{f.label}）" for f in prioritise(accounts))
                turn.say("utter_multiple_debts_order", order=order)
            turn.say("utter_multiple_debts_warning")

        offer = offer_for(situation)
        if offer == "installment" and focus is not None and focus.on_personalised_plan:
            turn.say("utter_already_on_plan")
            turn.say("utter_offer_human")
            turn.offer = "human"
        elif offer == "installment":
            turn.say("utter_offer_installment")
            turn.offer = "installment"
        elif offer == "reminder":
            # the hint points to an extension: only where the policy could still offer one
            ext = focus.policy.extension if focus is not None else None
            if (focus is not None and focus.is_overdue and not focus.in_grace and ext.enabled
                    and focus.days_overdue <= ext.max_days_overdue):
                turn.say("utter_forgot_overdue_hint")
            turn.say("utter_offer_reminder", days_before=settings()["reminder_days_before"])
            turn.offer = "reminder"
