"""Property-based tests (hypothesis): the normaliser, the plan and fee calculators and token
parsing hold their promises on inputs nobody wrote by hand."""
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.classify.text import normalise
from bot.identity import TokenError, issue_token, verify_token
from bot.nlu.normalise import extract
from bot.policy import irr_apr
from bot.policy.installments import payment_schedule, plan_estimate

TODAY = date(2026, 11, 23)
FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# Borrowers' text: Chinese, digits, Chinese numerals, punctuation, emoji, anything.
CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
TEXT = st.text(st.one_of(CHINESE, st.sampled_from(list("0123456789零一二三四五六七八九十百千万两元块期天号月,.，。 ")),
                         st.characters()), max_size=200)


@FAST
@given(TEXT)
def test_the_entity_normaliser_never_raises_and_spans_point_into_the_text(text):
    for entity in extract(text, TODAY):
        assert 0 <= entity.start < entity.end <= len(text)
        if entity.entity == "amount":
            assert entity.value >= 0
        if entity.entity in ("months", "days"):
            assert isinstance(entity.value, int) and entity.value >= 0


@FAST
@given(TEXT)
def test_the_classifiers_normal_form_is_stable(text):
    once = normalise(text)
    assert normalise(once) == once


@FAST
@given(principal=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("500000.00"), places=2),
       months=st.integers(min_value=1, max_value=60),
       rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.02"), places=4))
def test_a_schedule_repays_exactly_and_never_above_the_payment_shown(principal, months, rate):
    payments = payment_schedule(principal, months, rate)
    fee = (principal * rate).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert len(payments) == months
    assert sum(payments) == principal + fee * months
    assert max(payments) == payments[0]
    assert min(payments) >= 0
    estimate = plan_estimate(principal, months, rate)
    assert estimate.total_repay == sum(payments)
    assert estimate.monthly_payment == payments[0]


@FAST
@given(principal=st.decimals(min_value=Decimal("100.00"), max_value=Decimal("200000.00"), places=2),
       months=st.integers(min_value=2, max_value=60),
       rate=st.decimals(min_value=Decimal("0.0005"), max_value=Decimal("0.02"), places=4))
def test_the_annual_rate_grows_with_the_fee_and_is_never_below_twelve_times_it(principal, months, rate):
    apr = irr_apr(principal, payment_schedule(principal, months, rate))
    # A flat fee on the original principal costs more than the same nominal rate on the
    # falling balance: the IRR is never below 12·a (domain.md §4: 0.60 % a month ≈ 13.0 %).
    assert apr >= Decimal(12) * rate - Decimal("0.002")
    dearer = irr_apr(principal, payment_schedule(principal, months, rate + Decimal("0.001")))
    assert dearer >= apr


@FAST
@given(st.text(max_size=300))
def test_any_string_is_refused_as_a_token_with_a_reason(text):
    try:
        verify_token(text)
    except TokenError as error:
        assert error.reason in ("missing", "malformed", "bad_signature", "expired",
                                "wrong_audience")
    else:  # only a real token passes, and random text is never one
        raise AssertionError(f"accepted {text!r}")


@FAST
@given(st.text(min_size=1, max_size=40).filter(str.strip), st.integers(min_value=1, max_value=86400))
def test_a_token_carries_its_borrower_until_it_expires(borrower, ttl):
    now = 1_800_000_000
    token = issue_token(borrower, ttl, now=now)
    assert verify_token(token, now=now + ttl - 1) == borrower
    try:
        verify_token(token, now=now + ttl)
    except TokenError as error:
        assert error.reason == "expired"
    else:
        raise AssertionError("an expired token was accepted")
