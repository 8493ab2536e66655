"""Signed borrower tokens (JWT, HS256).

The web channel passes a token instead of trusting a borrower id typed into the chat;
actions call verify_token() and only then load that borrower's accounts.
Secret: env BOT_TOKEN_SECRET. Production is the default (bot.deployment): only with
BOT_ENV=development may the fixed development secret stand in for it.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Optional, Union

import jwt

from bot.deployment import DEV_TOKEN_SECRET, is_development

ALGORITHM = "HS256"
AUDIENCE = "borrower"
# A channel's short proof of a verified borrower, good only at the action server.
ACTIONS_AUDIENCE = "actions"
ISSUER = "debt-help-bot"
DEFAULT_TTL_SECONDS = 3600
DEV_SECRET = DEV_TOKEN_SECRET  # development only (bot.deployment refuses it in production)

REASONS = ("missing", "malformed", "bad_signature", "expired", "wrong_audience")

Now = Union[datetime, int, float, None]


class TokenError(Exception):
    """Token rejected; `.reason` is one of REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class TokenConfigError(RuntimeError):
    """No BOT_TOKEN_SECRET in production."""


MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash


def token_secret() -> str:
    secret = os.environ.get("BOT_TOKEN_SECRET", "")
    if not is_development():
        if not secret or secret == DEV_SECRET:
            raise TokenConfigError("BOT_TOKEN_SECRET must be set (or BOT_ENV=development)")
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise TokenConfigError(
                f"BOT_TOKEN_SECRET must be at least {MIN_SECRET_BYTES} bytes in production"
            )
    return secret or DEV_SECRET


def _timestamp(now: Now) -> int:
    if now is None:
        return int(datetime.now(timezone.utc).timestamp())
    if isinstance(now, datetime):
        if now.tzinfo is None:  # naive datetimes are taken as UTC
            now = now.replace(tzinfo=timezone.utc)
        return int(now.timestamp())
    return int(now)


def issue_token(
    borrower_id: str,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: Now = None,
    *,
    audience: str = AUDIENCE,
) -> str:
    if not borrower_id:
        raise ValueError("borrower_id is required")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    iat = _timestamp(now)
    claims = {
        "sub": borrower_id,
        "aud": audience,
        "iss": ISSUER,
        "iat": iat,
        "exp": iat + int(ttl_seconds),
    }
    return jwt.encode(claims, token_secret(), algorithm=ALGORITHM)


def verify_token(token: Optional[str], now: Now = None, *, audience: str = AUDIENCE) -> str:
    """Return the borrower id (`sub`) of a valid token, else raise TokenError."""
    if token is None or not str(token).strip():
        raise TokenError("missing")
    parts = str(token).split()
    if parts[0].lower() == "bearer":  # an Authorization header value
        parts = parts[1:]
    if len(parts) != 1:
        raise TokenError("missing" if not parts else "malformed")
    token = parts[0]
    try:
        # Expiry is checked below against `now` so callers and tests control the clock.
        claims = jwt.decode(
            token,
            token_secret(),
            algorithms=[ALGORITHM],  # a fixed list: no "none", no RS/HS confusion
            audience=audience,
            issuer=ISSUER,
            options={
                "require": ["sub", "aud", "iat", "exp"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError as exc:
        raise TokenError("wrong_audience", str(exc)) from exc
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as exc:
        raise TokenError("bad_signature", str(exc)) from exc
    except jwt.InvalidTokenError as exc:  # undecodable, missing claim, wrong issuer, ...
        raise TokenError("malformed", str(exc)) from exc

    sub, exp, iat = claims.get("sub"), claims.get("exp"), claims.get("iat")
    if not isinstance(sub, str) or not sub:
        raise TokenError("malformed", "sub must be a non-empty string")
    if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
        raise TokenError("malformed", "iat/exp must be numbers")
    if _timestamp(now) >= exp:
        raise TokenError("expired")
    return sub
