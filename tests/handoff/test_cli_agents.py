"""`python -m bot create-agent` and the demo agent of `init-db` (BOT_DEMO=1 only)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.handoff import agents
from bot.storage import db
from bot.storage.db import session_scope

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    base = {**os.environ, "DATABASE_URL": url}
    for name in ("BOT_DEMO", "AGENT_PASSWORD", "DEMO_AGENT_PASSWORD"):
        base.pop(name, None)
    base["BOT_ENV"] = "development"

    def run(*args, env=None):
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO_ROOT,
                              env={**base, **(env or {})}, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    run.url = url
    yield run
    db.dispose_engine(url)


def _login(url, username, password):
    with session_scope(url) as session:
        agent = agents.authenticate(session, username, password)
        return agent.id if agent else None


def test_create_agent_with_password_from_env(cli):
    proc = cli("create-agent", "li", "客服小李", env={"AGENT_PASSWORD": "li-password-1"})
    assert proc.returncode == 0, proc.stderr
    assert "agent-1" in proc.stdout and "li-password-1" not in proc.stdout
    assert _login(cli.url, "li", "li-password-1") == "agent-1"

    again = cli("create-agent", "li", "另一个", env={"AGENT_PASSWORD": "li-password-2"})
    assert again.returncode == 1 and "taken" in again.stderr
    short = cli("create-agent", "wang", "客服小王", env={"AGENT_PASSWORD": "short"})
    assert short.returncode == 1 and "password" in short.stderr


def test_create_agent_without_password_and_terminal_fails_cleanly(cli):
    proc = cli("create-agent", "li", "客服小李")
    assert proc.returncode == 1 and "AGENT_PASSWORD" in proc.stderr


def test_init_db_seeds_the_demo_agent_only_in_demo_mode(cli):
    plain = cli("init-db")
    assert plain.returncode == 0, plain.stderr
    assert "demo agent" not in plain.stdout
    assert _login(cli.url, "demo-agent", "demo-agent-pass") is None

    demo = cli("init-db", env={"BOT_DEMO": "1"})
    assert demo.returncode == 0, demo.stderr
    assert "demo agent created: demo-agent" in demo.stdout
    assert "demo-agent-pass" not in demo.stdout
    assert _login(cli.url, "demo-agent", "demo-agent-pass") is not None

    custom = cli("init-db", env={"BOT_DEMO": "1", "DEMO_AGENT_PASSWORD": "other-demo-pass"})
    assert "demo agent ready" in custom.stdout
    assert _login(cli.url, "demo-agent", "other-demo-pass") is not None
    # Existing commands still work on the same database.
    assert cli("demo-borrowers").returncode == 0
