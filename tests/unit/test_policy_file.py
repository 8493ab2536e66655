"""Policy files load, hold the domain.md defaults, and reject illegal edits."""
import dataclasses
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from bot.policy import PRODUCTS, PolicyError, ProductPolicy, load_policy, load_policy_file
from bot.policy.policy_file import PRODUCTS_DIR

CARD_FILE = PRODUCTS_DIR / "credit_card.yml"


def test_products_and_files_exist():
    # one product per policy file; cards and loans first, then the rest by name
    assert PRODUCTS[:2] == ("credit_card", "consumer_loan") and "online_credit" in PRODUCTS
    assert set(PRODUCTS) == {p.stem for p in PRODUCTS_DIR.glob("*.yml")}
    for product in PRODUCTS:
        assert (PRODUCTS_DIR / f"{product}.yml").is_file()
        policy = load_policy(product)
        assert isinstance(policy, ProductPolicy)
        assert policy.product == product


def test_load_policy_is_cached_and_frozen():
    assert load_policy("credit_card") is load_policy("credit_card")
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_policy("credit_card").grace_days = 5


def test_unknown_product():
    with pytest.raises(ValueError):
        load_policy("mortgage")


def test_credit_card_defaults_follow_domain_md():
    p = load_policy("credit_card")
    assert p.grace_days == 3 and p.grace_waives_charges
    assert p.tolerance == D("10")
    assert p.penalty.rate == D("0.05")
    assert p.penalty.floor == D("10")
    assert p.penalty.cap is not None and p.penalty.cap >= p.penalty.floor
    assert p.penalty.per_days == 30
    assert p.interest.daily_rate == D("0.0005")
    assert (p.interest.basis, p.interest.start) == ("balance", "statement_date")
    assert p.interest.compound_every_days == 30
    assert p.credit_report.report_after_days == p.grace_days
    assert p.credit_report.retention_years == 5
    assert [t.months for t in p.installment.terms] == [3, 6, 9, 12, 18, 24, 36]
    rates = {t.months: t.monthly_fee_rate for t in p.installment.terms}
    assert rates[12] == D("0.006")
    assert all(D("0.001") < r < D("0.02") for r in rates.values())
    assert p.personalised.max_months == 60
    assert p.extension.days == (7, 15, 30)
    assert p.extension.max_days_overdue == 30
    assert p.extension.once_per_months == 12


def test_consumer_loan_defaults():
    p = load_policy("consumer_loan")
    assert p.penalty.rate == 0  # loans: penalty interest instead of a fee
    assert p.interest.basis == "unpaid_minimum" and p.interest.start == "due_date"
    assert p.interest.daily_rate == D("0.0005")
    assert p.installment.terms == ()
    assert p.personalised.max_months == 60
    assert p.credit_report.retention_years == 5


def test_stage_labels_complete():
    for product in PRODUCTS:
        p = load_policy(product)
        assert [c for c, _ in p.stage_labels] == ["current", "grace", "M1", "M2", "M3", "M3+"]
        assert p.label_for("grace") == "宽限期内"
        assert p.label_for("M1") == "逾期M1"


def test_yaml_is_commented_for_editors():
    for product in PRODUCTS:
        text = (PRODUCTS_DIR / f"{product}.yml").read_text(encoding="utf-8")
        comments = [line for line in text.splitlines() if "#" in line]
        assert len(comments) > 30
        assert "domain.md" in text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text)  # Chinese
        assert "Grace" in text or "grace" in text  # English


# ---------------------------------------------------------------- validation


def _write(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(CARD_FILE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "edited.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_round_trip_of_unchanged_file(tmp_path):
    assert load_policy_file(_write(tmp_path, lambda d: None)) == load_policy("credit_card")


def test_percent_strings_and_plain_fractions(tmp_path):
    def edit(d):
        d["penalty"]["rate"] = 0.05
        d["overdue_interest"]["daily_rate"] = " 0.05% "

    p = load_policy_file(_write(tmp_path, edit))
    assert p.penalty.rate == D("0.05")
    assert p.interest.daily_rate == D("0.0005")


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["installment"]["terms"].append({"months": 72, "monthly_fee_rate": "0.5%"}), "months"),
        (lambda d: d["personalised"].__setitem__("max_months", 72), "max_months"),
        (lambda d: d["penalty"].__setitem__("cap", 5), "cap"),
        (lambda d: d["penalty"].__setitem__("rate", "five"), "rate"),
        (lambda d: d["penalty"].__setitem__("rate", "150%"), "rate"),
        (lambda d: d.pop("grace_days"), "grace_days"),
        (lambda d: d["stage_labels"].pop("M3+"), "stage_labels"),
        (lambda d: d["overdue_interest"].__setitem__("basis", "everything"), "basis"),
        (lambda d: d["overdue_interest"].__setitem__("daily_rate", "5%"), "daily_rate"),
        (lambda d: d["extension"].__setitem__("days", [7, -1]), "days"),
        (lambda d: d.__setitem__("grace_waives_charges", "yes"), "grace_waives_charges"),
        (lambda d: d.__setitem__("tolerance", -1), "tolerance"),
        (lambda d: d["installment"]["terms"].reverse(), "terms"),
        (lambda d: d["personalised"].__setitem__("min_months", 61), "min_months"),
    ],
)
def test_invalid_edits_are_rejected_with_the_field_name(tmp_path, edit, field):
    with pytest.raises(PolicyError, match=field.replace("+", r"\+")):
        load_policy_file(_write(tmp_path, edit))


def test_not_yaml(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("grace_days: [3\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        load_policy_file(path)
