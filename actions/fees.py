"""Late fees and interest: the borrower's own, itemised, or the general rule with a worked example."""
from datetime import timedelta
from decimal import Decimal

from bot import policy as rules
from bot.accounts import prioritise
from bot.formatting import day, percent, yuan
from bot.settings import settings

from .turn import BaseAction, Turn
from .views import account_values, interest_basis, rate_values


def say_general_fees(turn: Turn) -> None:
    example = settings()["example_account"]
    policy = rules.load_policy(example["product"])
    turn.say(
        "utter_late_fee_general",
        penalty_rate=percent(policy.penalty.rate, 0),
        penalty_floor=yuan(policy.penalty.floor),
        **rate_values(policy),
    )
    today = turn.today
    due = today - timedelta(days=example["days_overdue"])
    statement = due - timedelta(days=20)
    charges = rules.accrued_charges(
        policy, Decimal(example["balance"]), Decimal(example["minimum"]), due, statement, today
    )
    turn.say(
        "utter_late_fee_general_example",
        example_minimum=yuan(example["minimum"]),
        example_balance=yuan(example["balance"]),
        example_total=yuan(charges.total_extra),
        example_penalty=yuan(charges.penalty),
        example_interest=yuan(charges.interest),
    )


class ActionExplainLateFees(BaseAction):
    action_name = "action_explain_late_fees"

    def act(self, turn: Turn) -> None:
        borrower_id = turn.borrower_id()
        accounts = turn.accounts(borrower_id) if borrower_id else []
        if not accounts:
            say_general_fees(turn)
            return
        for f in prioritise(accounts)[: settings()["max_accounts_listed"]]:
            values = account_values(f)
            if not f.is_overdue:
                turn.say("utter_late_fee_not_overdue", **values)
            elif f.charges.total_extra == 0 and f.in_grace:
                grace_end = f.due_date + timedelta(days=f.policy.grace_days)
                turn.say("utter_late_fee_grace", grace_end=day(grace_end), **values)
            else:
                policy = f.policy
                rates = dict(rate_values(policy), interest_basis=interest_basis(f),
                             interest=yuan(f.charges.interest), **values)
                if policy.penalty.rate > 0:  # products without a 违约金 never hear the word
                    turn.say(
                        "utter_late_fee_detail",
                        penalty=yuan(f.charges.penalty),
                        total_extra=yuan(f.charges.total_extra),
                        penalty_rate=percent(policy.penalty.rate, 0),
                        penalty_floor=yuan(policy.penalty.floor),
                        **rates,
                    )
                else:
                    turn.say("utter_late_fee_detail_interest_only", **rates)
                waiting = {
                    w.delay_days: w
                    for w in rules.cost_of_waiting(
                        policy, f.balance, f.unpaid_minimum, f.due_date, f.statement_date, turn.today
                    )
                }
                turn.say(
                    "utter_late_fee_waiting",
                    today_total=yuan(waiting[0].total_extra),
                    d7_date=day(waiting[7].pay_on),
                    d7_total=yuan(waiting[7].total_extra),
                    d30_date=day(waiting[30].pay_on),
                    d30_total=yuan(waiting[30].total_extra),
                )
