"""Agent accounts: scrypt hashes, sign-in, and agent tokens that borrower tokens cannot pass."""
import pytest

from bot.handoff import agents
from bot.identity import TokenConfigError, TokenError, issue_token
from bot.storage.db import session_scope


def test_password_hash_is_salted_scrypt_and_verifies():
    first, second = agents.hash_password("correct-horse-1"), agents.hash_password("correct-horse-1")
    assert first != second  # per-user salt
    scheme, n, r, p, salt, digest = first.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2 ** 15, 8, 3)
    assert "correct-horse-1" not in first
    assert agents.verify_password("correct-horse-1", first)
    assert agents.verify_password("correct-horse-1", second)
    assert not agents.verify_password("correct-horse-2", first)
    assert not agents.verify_password("", first)


@pytest.mark.parametrize("stored", [
    "", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$AAAA",
])
def test_malformed_hashes_never_verify(stored):
    assert not agents.verify_password("anything", stored)


def test_tampered_hash_does_not_verify():
    stored = agents.hash_password("correct-horse-1")
    head, digest = stored.rsplit("$", 1)
    flipped = ("B" if digest[0] == "A" else "A") + digest[1:]
    assert not agents.verify_password("correct-horse-1", f"{head}${flipped}")


def test_create_and_authenticate(sqlite_url):
    with session_scope(sqlite_url) as s:
        li = agents.create_agent(s, "li", "客服小李", "correct-horse-1")
        wang = agents.create_agent(s, "wang", "客服小王", "another-pass-2")
        assert (li.id, wang.id) == ("agent-1", "agent-2") and li.active
        assert li.password_hash.startswith("scrypt$")
    with session_scope(sqlite_url) as s:
        assert agents.authenticate(s, "li", "correct-horse-1").id == "agent-1"
        assert agents.authenticate(s, "li", "wrong-password") is None
        assert agents.authenticate(s, "nobody", "correct-horse-1") is None
        agents.get_agent(s, "agent-2").active = False
    with session_scope(sqlite_url) as s:
        assert agents.authenticate(s, "wang", "another-pass-2") is None  # deactivated


@pytest.mark.parametrize("username,name,password", [
    ("li", "客服小李", "short"), ("", "客服", "correct-horse-1"), ("有中文", "客服", "correct-horse-1"),
    ("ok-name", "", "correct-horse-1"),
])
def test_create_agent_refuses_bad_input(sqlite_url, username, name, password):
    with session_scope(sqlite_url) as s:
        with pytest.raises(ValueError):
            agents.create_agent(s, username, name, password)


def test_usernames_are_unique(sqlite_url):
    with session_scope(sqlite_url) as s:
        agents.create_agent(s, "li", "客服小李", "correct-horse-1")
    with session_scope(sqlite_url) as s:
        with pytest.raises(ValueError, match="taken"):
            agents.create_agent(s, "li", "另一个小李", "correct-horse-1")


def test_demo_agent_uses_env_password_and_is_reset_to_it(sqlite_url, monkeypatch):
    monkeypatch.delenv("DEMO_AGENT_PASSWORD", raising=False)
    with session_scope(sqlite_url) as s:
        agent, created = agents.ensure_demo_agent(s)
        assert created and agent.username == "demo-agent"
    with session_scope(sqlite_url) as s:
        assert agents.authenticate(s, "demo-agent", "demo-agent-pass") is not None
    monkeypatch.setenv("DEMO_AGENT_PASSWORD", "changed-demo-pass")
    with session_scope(sqlite_url) as s:
        assert agents.ensure_demo_agent(s)[1] is False
    with session_scope(sqlite_url) as s:
        assert agents.authenticate(s, "demo-agent", "changed-demo-pass") is not None
        assert agents.authenticate(s, "demo-agent", "demo-agent-pass") is None


def test_agent_tokens(monkeypatch):
    monkeypatch.setenv("BOT_ENV", "development")
    token = agents.issue_agent_token("agent-1", ttl_seconds=60, now=1_000_000)
    assert agents.verify_agent_token(token, now=1_000_030) == "agent-1"
    assert agents.verify_agent_token(f"Bearer {token}", now=1_000_030) == "agent-1"
    with pytest.raises(TokenError) as exc:
        agents.verify_agent_token(token, now=1_000_060)
    assert exc.value.reason == "expired"
    for bad, reason in ((None, "missing"), ("", "missing"), ("Bearer", "missing"),
                        ("not.a.jwt", "malformed"), ("a b c", "malformed")):
        with pytest.raises(TokenError) as exc:
            agents.verify_agent_token(bad)
        assert exc.value.reason == reason
    # A borrower token (other secret, audience "borrower") is never an agent token.
    with pytest.raises(TokenError):
        agents.verify_agent_token(issue_token("agent-1"))
    # Even signed with the agent secret, audience "borrower" is refused.
    import jwt
    forged = jwt.encode({"sub": "agent-1", "aud": "borrower", "iss": agents.ISSUER,
                         "iat": 1, "exp": 2 ** 40}, agents.agent_token_secret(), algorithm="HS256")
    with pytest.raises(TokenError) as exc:
        agents.verify_agent_token(forged)
    assert exc.value.reason == "wrong_audience"


def test_agent_secret_required_in_production(monkeypatch):
    monkeypatch.setenv("BOT_ENV", "production")
    monkeypatch.delenv("AGENT_TOKEN_SECRET", raising=False)
    with pytest.raises(TokenConfigError):
        agents.issue_agent_token("agent-1")
    monkeypatch.setenv("AGENT_TOKEN_SECRET", "x" * 40)
    assert agents.verify_agent_token(agents.issue_agent_token("agent-1")) == "agent-1"
