from datetime import datetime, timedelta, timezone

import jwt
import pytest

from bot import identity
from bot.identity import AUDIENCE, TokenConfigError, TokenError, issue_token, verify_token

SECRET = "test-secret-0123456789abcdef-0123456789"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("BOT_TOKEN_SECRET", SECRET)
    monkeypatch.setenv("BOT_ENV", "development")


def reason_of(token, **kw):
    with pytest.raises(TokenError) as info:
        verify_token(token, **kw)
    return info.value.reason


def test_valid_token_round_trip_and_claims():
    token = issue_token("demo-m1", ttl_seconds=600, now=NOW)
    assert verify_token(token, now=NOW + timedelta(seconds=599)) == "demo-m1"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE,
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["sub"] == "demo-m1"
    assert claims["aud"] == "borrower"
    assert claims["exp"] - claims["iat"] == 600
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_bearer_prefix_is_accepted():
    token = issue_token("demo-grace", now=NOW)
    assert verify_token(f"Bearer {token}", now=NOW) == "demo-grace"


def test_expired():
    token = issue_token("demo-m1", ttl_seconds=60, now=NOW)
    assert reason_of(token, now=NOW + timedelta(seconds=60)) == "expired"
    assert reason_of(token, now=NOW + timedelta(days=1)) == "expired"


def test_expired_with_real_clock():
    token = issue_token("demo-m1", ttl_seconds=60, now=datetime.now(timezone.utc) - timedelta(hours=1))
    assert reason_of(token) == "expired"


def test_forged_signature():
    forged = jwt.encode(
        {"sub": "demo-m6plus", "aud": "borrower", "iss": identity.ISSUER,
         "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 600},
        "attacker-secret-attacker-secret-attacker", algorithm="HS256",
    )
    assert reason_of(forged, now=NOW) == "bad_signature"


def test_tampered_payload_fails_signature():
    header, _payload, sig = issue_token("demo-m1", now=NOW).split(".")
    other_payload = issue_token("demo-m6plus", now=NOW).split(".")[1]
    assert reason_of(f"{header}.{other_payload}.{sig}", now=NOW) == "bad_signature"


def test_alg_none_is_rejected():
    unsigned = jwt.encode(
        {"sub": "demo-m1", "aud": "borrower", "iss": identity.ISSUER,
         "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 600},
        None, algorithm="none",
    )
    assert reason_of(unsigned, now=NOW) in ("bad_signature", "malformed")


def test_secret_from_environment_is_used(monkeypatch):
    token = issue_token("demo-m1", now=NOW)
    monkeypatch.setenv("BOT_TOKEN_SECRET", "another-secret-another-secret-another")
    assert reason_of(token, now=NOW) == "bad_signature"


@pytest.mark.parametrize("token", ["abc", "a.b.c", "x" * 40, "eyJhbGciOiJIUzI1NiJ9..."])
def test_malformed(token):
    assert reason_of(token, now=NOW) == "malformed"


def test_missing_required_claim_is_malformed():
    no_exp = jwt.encode({"sub": "demo-m1", "aud": "borrower", "iss": identity.ISSUER,
                         "iat": int(NOW.timestamp())}, SECRET, algorithm="HS256")
    assert reason_of(no_exp, now=NOW) == "malformed"


@pytest.mark.parametrize("token", [None, "", "   ", "Bearer "])
def test_missing(token):
    assert reason_of(token, now=NOW) == "missing"


def test_wrong_audience():
    token = issue_token("demo-m1", now=NOW, audience="agent-console")
    assert reason_of(token, now=NOW) == "wrong_audience"
    assert verify_token(token, now=NOW, audience="agent-console") == "demo-m1"
    no_aud = jwt.encode({"sub": "demo-m1", "iss": identity.ISSUER, "iat": int(NOW.timestamp()),
                         "exp": int(NOW.timestamp()) + 60}, SECRET, algorithm="HS256")
    assert reason_of(no_aud, now=NOW) in ("malformed", "wrong_audience")


def test_reasons_are_declared():
    assert set(identity.REASONS) == {"missing", "malformed", "bad_signature", "expired",
                                     "wrong_audience"}


def test_dev_default_secret_outside_production(monkeypatch):
    monkeypatch.delenv("BOT_TOKEN_SECRET")
    assert verify_token(issue_token("demo-m1", now=NOW), now=NOW) == "demo-m1"


def test_production_requires_a_strong_secret(monkeypatch):
    monkeypatch.setenv("BOT_ENV", "production")
    monkeypatch.delenv("BOT_TOKEN_SECRET")
    with pytest.raises(TokenConfigError):
        issue_token("demo-m1")
    monkeypatch.setenv("BOT_TOKEN_SECRET", "short")
    with pytest.raises(TokenConfigError):
        issue_token("demo-m1")
    monkeypatch.setenv("BOT_TOKEN_SECRET", SECRET)
    assert verify_token(issue_token("demo-m1", now=NOW), now=NOW) == "demo-m1"


def test_issue_rejects_bad_input():
    with pytest.raises(ValueError):
        issue_token("")
    with pytest.raises(ValueError):
        issue_token("demo-m1", ttl_seconds=0)
