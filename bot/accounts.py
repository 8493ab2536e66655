"""What the assistant knows about one account today: days overdue, stage, charges, credit.

Joins a stored account with its product policy. Pure given (account, today), so actions,
the case summary and tests all see the same numbers.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import List, Sequence

from bot import policy as rules
from bot.storage import repository


@dataclass(frozen=True)
class AccountFacts:
    account_id: int
    product: str
    lender: str
    label: str
    balance: Decimal
    minimum: Decimal
    unpaid_minimum: Decimal
    statement_date: date
    due_date: date
    days_overdue: int
    stage: "rules.Stage"
    charges: "rules.Charges"
    credit: "rules.CreditImpact"
    on_personalised_plan: bool
    last_extension_on: "date | None"
    policy: "rules.ProductPolicy"

    @property
    def in_grace(self) -> bool:
        return self.stage.code == "grace"

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


def overdue(account, today: date) -> "tuple[int, rules.Stage]":
    """Days overdue and stage of one account, by its product's policy: the one place."""
    policy = rules.load_policy(account.product)
    unpaid = repository.unpaid_minimum(account, today)
    days = rules.days_overdue(account.due_date, today, unpaid, policy)
    return days, rules.stage_for(days, policy)


def facts_for(account, today: date) -> AccountFacts:
    policy = rules.load_policy(account.product)
    unpaid = repository.unpaid_minimum(account, today)
    balance = Decimal(account.balance)
    days, stage = overdue(account, today)
    return AccountFacts(
        account_id=account.id,
        product=account.product,
        lender=account.lender,
        label=account.label,
        balance=balance,
        minimum=Decimal(account.minimum_payment),
        unpaid_minimum=unpaid,
        statement_date=account.statement_date,
        due_date=account.due_date,
        days_overdue=days,
        stage=stage,
        charges=rules.accrued_charges(
            policy, balance, unpaid, account.due_date, account.statement_date, today
        ),
        credit=rules.credit_impact(policy, days, today),
        on_personalised_plan=bool(account.on_personalised_plan),
        last_extension_on=account.last_extension_on,
        policy=policy,
    )


def _daily_cost(facts: AccountFacts) -> Decimal:
    """What one more day of waiting adds on this account: its interest basis × daily rate."""
    rule = facts.policy.interest
    basis = facts.balance if rule.basis == "balance" else facts.unpaid_minimum
    return basis * rule.daily_rate if facts.is_overdue or facts.unpaid_minimum > 0 else Decimal(0)


def prioritise(accounts: Sequence[AccountFacts]) -> List[AccountFacts]:
    """Order for repaying several debts: accounts on a plan last; then the ones already
    reported or about to be (urgency), then the costliest per day, then the longest overdue."""
    def key(f: AccountFacts):
        urgent = f.credit.reported or (f.credit.days_until_reported is not None)
        return (f.on_personalised_plan, not f.is_overdue, not urgent, -_daily_cost(f), -f.days_overdue)
    return sorted(accounts, key=key)


def focus_account(accounts: Sequence[AccountFacts]) -> "AccountFacts | None":
    """The account a plan or a fee question is about when the borrower did not say which."""
    ordered = prioritise(accounts)
    return ordered[0] if ordered else None
