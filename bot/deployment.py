"""Production is the default: development must be asked for (BOT_ENV=development, which the
Makefile sets for `make run` and `make test`).

In production the servers refuse to start while a secret is missing, short or one of the
development defaults committed to this repository, while the HTTP API keeps its default
token, or while the demo sign-in is switched on; the message names each variable to set.
"""
from __future__ import annotations

import os
from typing import List

ENVIRONMENTS = ("production", "development")
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash
DEV_API_TOKEN = "dev-api-token"
DEV_ACTION_SECRET = "dev-only-action-server-secret-not-for-production"
# Development stand-ins for the signing secrets (≥32 bytes so PyJWT does not warn); this
# module refuses them in production, bot.identity and bot.handoff.agents fall back to them.
DEV_TOKEN_SECRET = "dev-only-debt-help-bot-token-secret-not-for-production"
DEV_AGENT_SECRET = "dev-only-debt-help-bot-agent-token-secret-not-for-production"


class DeploymentError(RuntimeError):
    """The environment is not safe to start in; the message says what to set."""


def environment() -> str:
    value = (os.environ.get("BOT_ENV") or "production").strip().lower()
    if value not in ENVIRONMENTS:
        raise DeploymentError(f"BOT_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
    return value


def is_development() -> bool:
    return environment() == "development"


def action_server_secret() -> str:
    """Shared by the Rasa server (sent with every action call) and the action server."""
    secret = os.environ.get("ACTION_SERVER_SECRET", "")
    if not secret and is_development():
        return DEV_ACTION_SECRET
    return secret


def _secret_problem(name: str, dev_value: str) -> str | None:
    value = os.environ.get(name, "")
    if not value:
        return f"{name} is not set"
    if value == dev_value:
        return f"{name} is the development default"
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"{name} must be at least {MIN_SECRET_BYTES} bytes"
    return None


def startup_problems(role: str) -> List[str]:
    """What stops `role` ("rasa" or "actions") from starting in this environment."""
    if is_development():
        return []
    problems = [_secret_problem("BOT_TOKEN_SECRET", DEV_TOKEN_SECRET),
                _secret_problem("ACTION_SERVER_SECRET", DEV_ACTION_SECRET)]
    if role == "rasa":
        problems.append(_secret_problem("AGENT_TOKEN_SECRET", DEV_AGENT_SECRET))
        token = os.environ.get("RASA_API_TOKEN", "")
        if not token or token == DEV_API_TOKEN:
            problems.append("RASA_API_TOKEN is not set or is the development default")
        if os.environ.get("BOT_DEMO", "").strip() == "1":
            problems.append("BOT_DEMO=1 (the demo sign-in) is for development only")
    return [p for p in problems if p]


def require_safe_startup(role: str) -> None:
    problems = startup_problems(role)
    if problems:
        raise DeploymentError(
            "refusing to start in production (BOT_ENV is not 'development'):\n  - "
            + "\n  - ".join(problems)
            + "\nSet these variables, or BOT_ENV=development on a developer's machine.")
