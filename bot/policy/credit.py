"""Credit report (征信) impact of being overdue (domain.md §3, 《征信业管理条例》)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ._util import add_months
from .overdue import Stage, stage_for
from .policy_file import ProductPolicy

# Report format (§3): monthly status N, then 1..7 per 30-day band, 7 = more than 180 days.
# This is how the PBoC report is written, not a lender setting.
_BAND_DAYS = 30
_MAX_CODE = 7


@dataclass(frozen=True)
class CreditImpact:
    stage: Stage
    status_code: str  # what this month's report line would show: "N" or "1".."7"
    reported: bool  # the overdue is past the report threshold (§3 Art. 15: notice first)
    days_until_reported: int | None  # days left before it becomes reportable; None if n/a
    retention_years: int  # Art. 16: kept this long from the day the overdue ends (repaid)
    notice_required: bool = True  # Art. 15: lender must notify before reporting
    retained_until_if_repaid_today: date | None = None  # today + retention_years, if reported


def status_code_for(days_overdue: int) -> str:
    """Band code ignoring the report threshold: 0 → "N", 1–30 → "1", … >180 → "7"."""
    if days_overdue <= 0:
        return "N"
    return str(min(_MAX_CODE, -(-days_overdue // _BAND_DAYS)))


def credit_impact(policy: ProductPolicy, days_overdue: int, today: date) -> CreditImpact:
    """征信 consequences of `days_overdue` as of `today`.

    Within the report threshold (容时, practice) nothing is reported and paying now keeps the
    month at "N"; from the next day the band code applies. There is no blacklist (§3)."""
    stage = stage_for(days_overdue, policy)
    rule = policy.credit_report
    reported = days_overdue > rule.report_after_days
    if reported:
        code = status_code_for(days_overdue)
        until = None
        retained = add_months(today, 12 * rule.retention_years)
    else:
        code = "N"
        until = rule.report_after_days + 1 - days_overdue if days_overdue > 0 else None
        retained = None
    return CreditImpact(
        stage=stage,
        status_code=code,
        reported=reported,
        days_until_reported=until,
        retention_years=rule.retention_years,
        notice_required=True,
        retained_until_if_repaid_today=retained,
    )
