"""Product policy files (bot/policy/products/<product>.yml): dataclasses and a validating loader.

Every number a content editor may change lives in the YAML file, not here. The loader checks
the values against the hard limits from the law / regulators (domain.md §2–§4) so that a typo
cannot make the bot promise something illegal.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping, NoReturn

import yaml

PRODUCTS_DIR = Path(__file__).resolve().parent / "products"
# A product is its policy file: adding one needs no code here (cards and loans first, then
# the rest by name, so the order is stable).
_FIRST = ("credit_card", "consumer_loan")
PRODUCTS: tuple[str, ...] = tuple(
    sorted((p.stem for p in PRODUCTS_DIR.glob("*.yml")),
           key=lambda name: (_FIRST.index(name) if name in _FIRST else len(_FIRST), name))
)

STAGE_CODES: tuple[str, ...] = ("current", "grace", "M1", "M2", "M3", "M3+")
INTEREST_BASES = ("balance", "unpaid_minimum")
INTEREST_STARTS = ("statement_date", "due_date")
# What a plan for borrowers who cannot keep up rests on: card rules Art. 70 (个性化分期) or a
# renegotiated schedule the lender may agree to (loans and other credit: no Art. 70).
PERSONALISED_BASES = ("card_art70", "negotiated")
# 2022 notice and card rules Art. 70: installments and personalised plans ≤ 5 years (§2, §4).
MAX_TERM_MONTHS = 60


class PolicyError(ValueError):
    """A policy file is missing a field or holds a value outside the allowed range."""


@dataclass(frozen=True)
class PenaltyRule:
    """违约金 (§2): rate × unpaid minimum, clamped to [floor, cap], once per started `per_days`."""

    rate: Decimal  # fraction, 0.05 = 5 %; 0 disables the penalty
    floor: Decimal
    cap: Decimal | None  # None = no cap
    per_days: int


@dataclass(frozen=True)
class InterestRule:
    """Overdue interest / 罚息 (§2): daily rate on `basis` from `start`, compounded on interest."""

    daily_rate: Decimal  # fraction, 0.0005 = 0.05 %/day
    basis: str  # "balance" | "unpaid_minimum"
    start: str  # "statement_date" | "due_date"
    compound_every_days: int  # 0 = simple interest


@dataclass(frozen=True)
class CreditReportRule:
    """征信 reporting (§3)."""

    report_after_days: int  # reported once days overdue exceed this
    retention_years: int  # Art. 16: 5 years from the day the overdue ends


@dataclass(frozen=True)
class InstallmentTerm:
    months: int
    monthly_fee_rate: Decimal  # fraction of the original principal, per month


@dataclass(frozen=True)
class InstallmentRule:
    min_principal: Decimal
    terms: tuple[InstallmentTerm, ...]  # empty = product has no standard installments


@dataclass(frozen=True)
class PersonalisedRule:
    """个性化分期 (§4, card rules Art. 70): the bank decides; we only estimate and prepare."""

    enabled: bool
    min_days_overdue: int
    min_months: int
    max_months: int
    estimated_monthly_fee_rate: Decimal
    budget_share_of_income: Decimal  # budget guess when only the income is known
    basis: str = "card_art70"  # one of PERSONALISED_BASES; decides the wording, not the maths


@dataclass(frozen=True)
class ExtensionRule:
    """延期还款 (§4, practice)."""

    enabled: bool
    days: tuple[int, ...]
    max_days_overdue: int
    once_per_months: int
    fee_rate: Decimal  # fraction of the unpaid minimum
    fee_min: Decimal
    interest_continues: bool


@dataclass(frozen=True)
class ProductPolicy:
    product: str
    name: str
    version: str
    due_name: str  # what must be paid each period: 最低还款 (cards), 月供 (loans) …
    grace_days: int
    grace_waives_charges: bool
    tolerance: Decimal
    stage_labels: tuple[tuple[str, str], ...]
    penalty: PenaltyRule
    interest: InterestRule
    credit_report: CreditReportRule
    installment: InstallmentRule
    personalised: PersonalisedRule
    extension: ExtensionRule

    def label_for(self, stage_code: str) -> str:
        for code, label in self.stage_labels:
            if code == stage_code:
                return label
        raise KeyError(stage_code)


# ---------------------------------------------------------------- loading


def load_policy_file(path: str | Path) -> ProductPolicy:
    """Load and validate one policy file (uncached; editors' checks and tests use this)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{path.name}: expected a mapping at the top level")
    return _build(raw, path.name)


@functools.lru_cache(maxsize=None)
def load_policy(product: str) -> ProductPolicy:
    """The policy of `product` (one of PRODUCTS), read once per process."""
    if product not in PRODUCTS:
        raise ValueError(f"unknown product {product!r}; expected one of {PRODUCTS}")
    policy = load_policy_file(PRODUCTS_DIR / f"{product}.yml")
    if policy.product != product:
        raise PolicyError(f"{product}.yml: 'product' says {policy.product!r}")
    return policy


class _Reader:
    """Typed access to one YAML mapping with error messages that name the field."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise PolicyError(f"{where}: expected a mapping")
        self.data: Mapping[str, Any] = data  # YAML: the methods below check each value
        self.where = where

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise PolicyError(f"{self.where}.{key}: missing")
        return self.data[key]

    def fail(self, key: str, message: str) -> NoReturn:
        raise PolicyError(f"{self.where}.{key}: {message}")

    def sub(self, key: str) -> "_Reader":
        return _Reader(self._get(key), f"{self.where}.{key}")

    def text(self, key: str) -> str:
        value = self._get(key)
        # dates too: an unquoted 2026-11-23 in YAML arrives as a date
        if not isinstance(value, (str, int, float, date)) or isinstance(value, bool) or str(value) == "":
            self.fail(key, "expected text")
        return str(value)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            self.fail(key, "expected true or false")
        return value

    def whole(self, key: str, lo: int = 0, hi: int | None = None) -> int:
        value = self._get(key)
        # int first: mypy narrows the YAML value (Any) to int only from this order
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(key, "expected a whole number")
        if value < lo or (hi is not None and value > hi):
            self.fail(key, f"{value} outside {lo}..{hi if hi is not None else '∞'}")
        return value

    def amount(self, key: str) -> Decimal:
        dec = _number(self._get(key))
        if dec is None or dec < 0:
            self.fail(key, "expected an amount in yuan ≥ 0")
        return dec

    def rate(self, key: str, hi: Decimal = Decimal("1")) -> Decimal:
        """'5%' (quoted, with a percent sign) or a plain fraction such as 0.05."""
        value = self._get(key)
        if isinstance(value, str) and value.strip().endswith("%"):
            dec = _number(value.strip()[:-1])
            dec = None if dec is None else dec / 100
        else:
            dec = _number(value)
        if dec is None or dec < 0 or dec > hi:
            self.fail(key, f"expected a rate between 0% and {hi * 100}%, e.g. \"5%\"")
        return dec


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _build(raw: Mapping[str, Any], where: str) -> ProductPolicy:
    top = _Reader(raw, where)
    grace_days = top.whole("grace_days", 0, 29)

    labels = top.sub("stage_labels")
    if set(labels.data) != set(STAGE_CODES):
        raise PolicyError(f"{where}.stage_labels: needs exactly {', '.join(STAGE_CODES)}")
    stage_labels = tuple((code, labels.text(code)) for code in STAGE_CODES)

    p = top.sub("penalty")
    penalty = PenaltyRule(
        rate=p.rate("rate"),
        floor=p.amount("floor"),
        cap=None if p._get("cap") is None else p.amount("cap"),
        per_days=p.whole("per_days", 1),
    )
    if penalty.cap is not None and penalty.cap < penalty.floor:
        p.fail("cap", "must not be below the floor")

    i = top.sub("overdue_interest")
    interest = InterestRule(
        daily_rate=i.rate("daily_rate", hi=Decimal("0.01")),
        basis=i.text("basis"),
        start=i.text("start"),
        compound_every_days=i.whole("compound_every_days", 0),
    )
    if interest.basis not in INTEREST_BASES:
        i.fail("basis", f"expected one of {INTEREST_BASES}")
    if interest.start not in INTEREST_STARTS:
        i.fail("start", f"expected one of {INTEREST_STARTS}")

    c = top.sub("credit_report")
    credit = CreditReportRule(
        report_after_days=c.whole("report_after_days", 0, 29),
        retention_years=c.whole("retention_years", 1),
    )

    inst = top.sub("installment")
    terms_raw = inst._get("terms") or []
    if not isinstance(terms_raw, list):
        inst.fail("terms", "expected a list")
    terms: list[InstallmentTerm] = []
    for n, item in enumerate(terms_raw):
        t = _Reader(item, f"{where}.installment.terms[{n}]")
        terms.append(
            InstallmentTerm(
                months=t.whole("months", 2, MAX_TERM_MONTHS),
                monthly_fee_rate=t.rate("monthly_fee_rate", hi=Decimal("0.05")),
            )
        )
    months = [t.months for t in terms]
    if months != sorted(set(months)):
        inst.fail("terms", "months must be listed once each, shortest first")
    installment = InstallmentRule(min_principal=inst.amount("min_principal"), terms=tuple(terms))

    pe = top.sub("personalised")
    personalised = PersonalisedRule(
        enabled=pe.flag("enabled"),
        min_days_overdue=pe.whole("min_days_overdue", 0),
        min_months=pe.whole("min_months", 2, MAX_TERM_MONTHS),
        max_months=pe.whole("max_months", 2, MAX_TERM_MONTHS),
        estimated_monthly_fee_rate=pe.rate("estimated_monthly_fee_rate", hi=Decimal("0.05")),
        budget_share_of_income=pe.rate("budget_share_of_income"),
        basis=pe.text("basis"),
    )
    if personalised.basis not in PERSONALISED_BASES:
        pe.fail("basis", f"expected one of {PERSONALISED_BASES}")
    if personalised.min_months > personalised.max_months:
        pe.fail("min_months", "must not exceed max_months")

    e = top.sub("extension")
    days_raw = e._get("days") or []
    if not isinstance(days_raw, list) or any(
        isinstance(d, bool) or not isinstance(d, int) or d <= 0 for d in days_raw
    ):
        e.fail("days", "expected a list of whole numbers of days, e.g. [7, 15, 30]")
    extension = ExtensionRule(
        enabled=e.flag("enabled"),
        days=tuple(sorted(set(days_raw))),
        max_days_overdue=e.whole("max_days_overdue", 0),
        once_per_months=e.whole("once_per_months", 0),
        fee_rate=e.rate("fee_rate"),
        fee_min=e.amount("fee_min"),
        interest_continues=e.flag("interest_continues"),
    )

    return ProductPolicy(
        product=top.text("product"),
        name=top.text("name"),
        version=top.text("version"),
        due_name=top.text("due_name"),
        grace_days=grace_days,
        grace_waives_charges=top.flag("grace_waives_charges"),
        tolerance=top.amount("tolerance"),
        stage_labels=stage_labels,
        penalty=penalty,
        interest=interest,
        credit_report=credit,
        installment=installment,
        personalised=personalised,
        extension=extension,
    )
