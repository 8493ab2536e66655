"""Credit-report impact, tailored to the days overdue; myths corrected; rights stated."""
from bot import policy as rules
from bot.accounts import prioritise
from bot.formatting import day
from bot.settings import settings

from .turn import BaseAction, Turn
from .views import account_values, report_deadline, status_meaning


class ActionExplainCreditImpact(BaseAction):
    action_name = "action_explain_credit_impact"

    def act(self, turn: Turn) -> None:
        borrower_id = turn.borrower_id()
        accounts = turn.accounts(borrower_id) if borrower_id else []
        if not accounts:
            turn.say("utter_credit_general")
            policy = rules.load_policy(settings()["example_account"]["product"])
            turn.say("utter_credit_retention", retention_years=policy.credit_report.retention_years)
        else:
            retention = []  # years of the reported accounts' policies, each said once
            for f in prioritise(accounts)[: settings()["max_accounts_listed"]]:
                if f.credit.reported:
                    if f.credit.retention_years not in retention:
                        retention.append(f.credit.retention_years)
                    turn.say(
                        "utter_credit_reported",
                        status_code=f.credit.status_code,
                        status_meaning=status_meaning(f.credit.status_code),
                        **account_values(f),
                    )
                elif not f.is_overdue:
                    turn.say("utter_credit_not_overdue", **account_values(f))
                else:
                    turn.say(
                        "utter_credit_not_reported",
                        report_deadline=day(report_deadline(f)),
                        **account_values(f),
                    )
            for years in retention:
                turn.say("utter_credit_retention", retention_years=years)
        turn.say("utter_credit_myths")
        turn.say("utter_credit_rights")
