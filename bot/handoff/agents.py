"""Agent accounts: scrypt password hashes and signed agent tokens (JWT, HS256, aud "agent").

Editors (the review page's users, bot.review.api) are accounts in the same table with role
"editor": their own sign-in (authenticate(..., role="editor")) and their own tokens
(aud "editor", issue_editor_token / verify_editor_token). An agent token never passes as an
editor's and the other way round, and neither role signs in on the other's page.

Agent tokens use their own secret (AGENT_TOKEN_SECRET), so a borrower token can never
pass as an agent's even if the audience check were lost. Outside production a fixed
development secret is used, as in bot.identity.
"""
from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import hmac
import os
import re
import secrets
import threading
from typing import Optional, Tuple

import jwt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.deployment import DEV_AGENT_SECRET, is_development
from bot.identity import MIN_SECRET_BYTES, Now, TokenConfigError, TokenError, _timestamp
from bot.storage.models import AGENT_ROLES, Agent

AUDIENCE = "agent"
EDITOR_AUDIENCE = "editor"
AUDIENCES = {"agent": AUDIENCE, "editor": EDITOR_AUDIENCE}  # role -> token audience
ISSUER = "debt-help-bot"
ALGORITHM = "HS256"
DEFAULT_TTL_SECONDS = 8 * 3600  # one shift
DEV_SECRET = DEV_AGENT_SECRET  # development only (bot.deployment refuses it in production)

MIN_PASSWORD_LENGTH = 8
DEMO_USERNAME = "demo-agent"
DEMO_DISPLAY_NAME = "演示客服"
DEMO_DEFAULT_PASSWORD = "demo-agent-pass"  # demo only; README says so
DEMO_EDITOR_USERNAME = "demo-editor"
DEMO_EDITOR_DISPLAY_NAME = "演示编辑"
DEMO_EDITOR_DEFAULT_PASSWORD = "demo-editor-pass"  # demo only

# scrypt cost N=2^15, r=8, p=3: one of OWASP's equivalent minimums (32 MiB, ~0.2 s here).
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _DKLEN = 2 ** 15, 8, 3, 32
_MAXMEM = 64 * 1024 * 1024
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


# ------------------------------------------------------------------- passwords

def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """"scrypt$N$r$p$salt$hash" with a fresh 16-byte salt (parameters kept per hash, so
    they can be raised later without breaking stored ones)."""
    if not isinstance(password, str) or not password:
        raise ValueError("password is required")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R,
                            p=_SCRYPT_P, maxmem=_MAXMEM, dklen=_DKLEN)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(str(password).encode("utf-8"),
                                salt=base64.b64decode(salt, validate=True),
                                n=int(n), r=int(r), p=int(p), maxmem=_MAXMEM,
                                dklen=len(expected))
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked when the username is unknown, so both failures take the same time.
_DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(16))
    return _DUMMY_HASH


# ------------------------------------------------------------------ accounts

def _next_id(session: Session, prefix: str = "agent") -> str:
    numbers = [
        int(i.split("-", 1)[1]) for i in session.execute(select(Agent.id)).scalars()
        if i.startswith(f"{prefix}-") and i.split("-", 1)[1].isdigit()
    ]
    return f"{prefix}-{max(numbers, default=0) + 1}"


def create_agent(session: Session, username: str, display_name: str, password: str,
                 agent_id: Optional[str] = None, role: str = "agent") -> Agent:
    """A new active agent (or, with role="editor", editor: ids "editor-N"); ValueError for a
    taken or bad username or a short password."""
    if role not in AGENT_ROLES:
        raise ValueError(f"role: one of {', '.join(AGENT_ROLES)}")
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    if not _USERNAME.match(username):
        raise ValueError("username: 2–64 letters, digits, '.', '_' or '-'")
    if not display_name or len(display_name) > 64:
        raise ValueError("display name: 1–64 characters")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if get_agent_by_username(session, username) is not None:
        raise ValueError(f"username already taken: {username}")
    password_hash = hash_password(password)
    for _ in range(5):  # two creations racing for the same "agent-N"
        try:
            with session.begin_nested():
                agent = Agent(id=agent_id or _next_id(session, role), username=username,
                              display_name=display_name, password_hash=password_hash,
                              active=True, role=role)
                session.add(agent)
                session.flush()
            return agent
        except IntegrityError:
            if agent_id or get_agent_by_username(session, username) is not None:
                raise ValueError(f"agent already exists: {agent_id or username}") from None
    raise ValueError("could not allocate an agent id")


def create_editor(session: Session, username: str, display_name: str, password: str) -> Agent:
    """A new active editor (review page only; cannot sign in to the agent console)."""
    return create_agent(session, username, display_name, password, role="editor")


def get_agent(session: Session, agent_id: str) -> Optional[Agent]:
    return session.get(Agent, agent_id) if agent_id else None


def get_agent_by_username(session: Session, username: str) -> Optional[Agent]:
    return session.execute(
        select(Agent).where(Agent.username == username)
    ).scalar_one_or_none()


def role_of(agent: Agent) -> str:
    return getattr(agent, "role", None) or "agent"


def authenticate(session: Session, username: str, password: str,
                 role: str = "agent") -> Optional[Agent]:
    """The active account of this role with these credentials, else None (no hint which
    part was wrong: an editor signing in as an agent fails like a wrong password)."""
    agent = get_agent_by_username(session, (username or "").strip()) if username else None
    if agent is None:
        verify_password(password or "", _dummy_hash())
        return None
    if not verify_password(password or "", agent.password_hash) or not agent.active:
        return None
    if role_of(agent) != role:
        return None
    return agent


def set_password(session: Session, agent: Agent, password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    agent.password_hash = hash_password(password)
    session.flush()


def demo_password() -> str:
    return os.environ.get("DEMO_AGENT_PASSWORD") or DEMO_DEFAULT_PASSWORD


def ensure_demo_agent(session: Session) -> Tuple[Agent, bool]:
    """The demo agent (BOT_DEMO=1 only): created, or its password reset to the demo one."""
    agent = get_agent_by_username(session, DEMO_USERNAME)
    if agent is None:
        return create_agent(session, DEMO_USERNAME, DEMO_DISPLAY_NAME, demo_password()), True
    if not verify_password(demo_password(), agent.password_hash):
        set_password(session, agent, demo_password())
    agent.active = True
    return agent, False


def demo_editor_password() -> str:
    return os.environ.get("DEMO_EDITOR_PASSWORD") or DEMO_EDITOR_DEFAULT_PASSWORD


def ensure_demo_editor(session: Session) -> Tuple[Agent, bool]:
    """The demo editor (BOT_DEMO=1 only): created, or its password reset to the demo one."""
    editor = get_agent_by_username(session, DEMO_EDITOR_USERNAME)
    if editor is None:
        return create_editor(session, DEMO_EDITOR_USERNAME, DEMO_EDITOR_DISPLAY_NAME,
                             demo_editor_password()), True
    if role_of(editor) != "editor":
        raise ValueError(f"{DEMO_EDITOR_USERNAME} exists and is not an editor")
    if not verify_password(demo_editor_password(), editor.password_hash):
        set_password(session, editor, demo_editor_password())
    editor.active = True
    return editor, False


# ------------------------------------------------------------- sign-in pools

# Password checks (scrypt, ~0.2 s of CPU and 32 MiB each) get their own small pool per role:
# off the event loop, and a burst of sign-ins can never occupy the default pool that every
# database call of the APIs (and Rasa) runs in.
PASSWORD_WORKERS = 2
_password_pools: dict = {}
_password_pools_lock = threading.Lock()


def password_executor(role: str = "agent") -> concurrent.futures.ThreadPoolExecutor:
    """The sign-in pool of `role` ("agent" or "editor"); threads are named "<role>-sign-in"."""
    with _password_pools_lock:
        if role not in _password_pools:
            _password_pools[role] = concurrent.futures.ThreadPoolExecutor(
                max_workers=PASSWORD_WORKERS, thread_name_prefix=f"{role}-sign-in")
        return _password_pools[role]


# ------------------------------------------------------------------- tokens

def agent_token_secret() -> str:
    secret = os.environ.get("AGENT_TOKEN_SECRET", "")
    if not is_development():
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES or secret == DEV_SECRET:
            raise TokenConfigError(
                f"AGENT_TOKEN_SECRET (at least {MIN_SECRET_BYTES} bytes) must be set "
                "(or BOT_ENV=development)"
            )
    return secret or DEV_SECRET


def issue_agent_token(agent_id: str, ttl_seconds: int = DEFAULT_TTL_SECONDS, now: Now = None,
                      audience: str = AUDIENCE) -> str:
    if audience not in AUDIENCES.values():
        raise ValueError(f"unknown audience {audience!r}")
    if not agent_id:
        raise ValueError("agent_id is required")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    iat = _timestamp(now)
    claims = {"sub": agent_id, "aud": audience, "iss": ISSUER, "iat": iat,
              "exp": iat + int(ttl_seconds)}
    return jwt.encode(claims, agent_token_secret(), algorithm=ALGORITHM)


def issue_editor_token(editor_id: str, ttl_seconds: int = DEFAULT_TTL_SECONDS,
                       now: Now = None) -> str:
    return issue_agent_token(editor_id, ttl_seconds, now, audience=EDITOR_AUDIENCE)


def verify_editor_token(token: Optional[str], now: Now = None) -> str:
    """The editor id of a valid editor token (aud "editor"); an agent token is refused
    ("wrong_audience")."""
    return verify_agent_token(token, now, audience=EDITOR_AUDIENCE)


def verify_agent_token(token: Optional[str], now: Now = None, audience: str = AUDIENCE) -> str:
    """The agent id of a valid agent token, else TokenError (reasons as bot.identity).
    An editor token (aud "editor") is refused ("wrong_audience")."""
    if audience not in AUDIENCES.values():
        raise ValueError(f"unknown audience {audience!r}")
    if token is None or not str(token).strip():
        raise TokenError("missing")
    parts = str(token).split()
    if parts[0].lower() == "bearer":
        parts = parts[1:]
    if len(parts) != 1:
        raise TokenError("missing" if not parts else "malformed")
    try:
        claims = jwt.decode(
            parts[0], agent_token_secret(), algorithms=[ALGORITHM], audience=audience,
            issuer=ISSUER,
            options={"require": ["sub", "aud", "iat", "exp"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise TokenError("wrong_audience", str(exc)) from exc
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as exc:
        raise TokenError("bad_signature", str(exc)) from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("malformed", str(exc)) from exc
    sub, exp = claims.get("sub"), claims.get("exp")
    if not isinstance(sub, str) or not sub or not isinstance(exp, (int, float)):
        raise TokenError("malformed", "bad sub/exp")
    if _timestamp(now) >= exp:
        raise TokenError("expired")
    return sub
