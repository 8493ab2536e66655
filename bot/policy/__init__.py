"""Pure domain rules for borrowers behind on repayments (facts: ../shared/domain.md).

No I/O except reading the product policy files (bot/policy/products/<product>.yml), which
hold every editable number. Money is Decimal rounded half-up to 0.01 yuan; functions that
depend on "today" take it as a parameter. Amount arguments accept Decimal, int or str.
Nothing here writes sentences for borrowers: results carry codes and numbers.

Public API (stable)
-------------------
Policy files
    PRODUCTS: tuple[str, ...]                       one per file in products/ (credit_card,
                                                    consumer_loan first)
    load_policy(product) -> ProductPolicy           cached, frozen dataclass
    load_policy_file(path) -> ProductPolicy         uncached, for editors' checks / tests
    PolicyError(ValueError)                         bad or missing field (message names it)

Overdue
    days_overdue(due_date, today, unpaid_minimum, policy) -> int
        0 if not late or unpaid_minimum ≤ tolerance.
    stage_for(days_overdue, policy) -> Stage(code, label, min_days, max_days)
        code: "current" (0), "grace" (1..grace_days), "M1" (..30), "M2" (31–60),
        "M3" (61–90), "M3+" (>90).

Charges
    accrued_charges(policy, balance, unpaid_minimum, due_date, statement_date, today)
        -> Charges(penalty, interest, total_extra, days_overdue, lines: list[ChargeLine])
        ChargeLine(name_key: "penalty" | "overdue_interest", amount, basis: dict)
    cost_of_waiting(policy, balance, unpaid_minimum, due_date, statement_date, today,
                    delays=(0, 7, 30))
        -> list[WaitingCost(delay_days, pay_on, total_extra, increase_vs_today)]
    annual_rate(interest_rule) -> Decimal           overdue rate annualized, with compounding

Credit report
    credit_impact(policy, days_overdue, today) -> CreditImpact(stage, status_code,
        reported, days_until_reported, retention_years, notice_required,
        retained_until_if_repaid_today)
        status_code "N" while not reportable, else "1".."7" per 30-day band (7 = >180).

Installments
    installment_options(policy, principal, monthly_budget=None) -> list[InstallmentOption(
        months, monthly_fee_rate, monthly_payment, last_payment|None, total_fee,
        total_repay, apr, affordable|None)]        (+ properties max_payment, payments)
        monthly_payment is the largest payment; rounding cents make only the last smaller.
    plan_estimate(principal, months, monthly_fee_rate) -> PlanEstimate(months,
        monthly_payment, last_payment|None, total_interest, total_repay, apr)
    recommend_installment(options, monthly_budget) -> InstallmentOption | None
        shortest option whose largest payment fits the budget.
    irr_apr(principal, payments) -> Decimal         monthly IRR × 12, 4 places (0.1307)

Personalised plan (个性化分期, the bank decides)
    personalised_eligibility(policy, balance, monthly_budget, days_overdue,
        monthly_income=None, already_on_personalised=False, regular_payment=None)
        -> Eligibility(eligible, reasons: list[str], max_months, suggested_months,
                       monthly_payment, apr, estimate)
        eligible ⇔ no reasons. Codes: not_offered, nothing_due, not_overdue,
        overdue_too_short, already_on_personalised, budget_unknown,
        budget_exceeds_income, affordable_standard_term, affordable_regular_payment,
        budget_too_low_even_60.
    personalised_estimate(policy, balance, months) -> PlanEstimate | None
    blocking_reasons(policy, balance, days_overdue, already_on_personalised) -> list[str]

Extension (延期还款)
    extension_options(policy, days_overdue, unpaid_minimum, balance, last_extension_on,
        today, due_date=None)
        -> ExtensionResult(eligible, reason, options: list[ExtensionOption(days,
           new_due_date, fee, interest_during)], available_from)
        reason: ok, not_offered, nothing_due, not_overdue, too_far_overdue, used_recently.
"""
from .charges import (
    OVERDUE_INTEREST,
    PENALTY,
    ChargeLine,
    Charges,
    WaitingCost,
    accrued_charges,
    annual_rate,
    cost_of_waiting,
)
from .credit import CreditImpact, credit_impact
from .eligibility import (
    Eligibility,
    blocking_reasons,
    personalised_eligibility,
    personalised_estimate,
)
from .extension import ExtensionOption, ExtensionResult, extension_options
from .installments import (
    InstallmentOption,
    PlanEstimate,
    installment_options,
    irr_apr,
    plan_estimate,
    recommend_installment,
)
from .overdue import Stage, days_overdue, stage_for
from .policy_file import (
    PRODUCTS,
    CreditReportRule,
    ExtensionRule,
    InstallmentRule,
    InstallmentTerm,
    InterestRule,
    PenaltyRule,
    PersonalisedRule,
    PolicyError,
    ProductPolicy,
    load_policy,
    load_policy_file,
)

__all__ = [
    "PRODUCTS",
    "load_policy",
    "load_policy_file",
    "PolicyError",
    "ProductPolicy",
    "PenaltyRule",
    "InterestRule",
    "CreditReportRule",
    "InstallmentRule",
    "InstallmentTerm",
    "PersonalisedRule",
    "ExtensionRule",
    "Stage",
    "days_overdue",
    "stage_for",
    "PENALTY",
    "OVERDUE_INTEREST",
    "ChargeLine",
    "Charges",
    "WaitingCost",
    "accrued_charges",
    "cost_of_waiting",
    "annual_rate",
    "CreditImpact",
    "credit_impact",
    "InstallmentOption",
    "installment_options",
    "recommend_installment",
    "irr_apr",
    "PlanEstimate",
    "plan_estimate",
    "Eligibility",
    "personalised_eligibility",
    "personalised_estimate",
    "blocking_reasons",
    "ExtensionOption",
    "ExtensionResult",
    "extension_options",
]
