"""`python -m bot ...` as a developer runs it, against a throw-away SQLite file."""
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.identity import verify_token

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-test-secret-0123456789abcdef-0123"


@pytest.fixture
def run(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
           "BOT_TOKEN_SECRET": SECRET}
    env["BOT_ENV"] = "development"

    def _run(*args, check=True):
        proc = subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, env=env,
            capture_output=True, text=True, timeout=120,
        )
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    return _run


def test_init_db_then_demo_borrowers(run):
    out = run("init-db").stdout
    assert "demo-current" in out
    assert "already present" in run("init-db").stdout

    table = run("demo-borrowers").stdout
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "account"]
    for borrower_id in ("demo-current", "demo-grace", "demo-m1", "demo-m3", "demo-m6plus",
                        "demo-multi", "demo-onplan"):
        assert borrower_id in table
    assert "王先生" in table and "星河银行信用卡" in table
    grace_row = next(line for line in lines if line.startswith("demo-grace"))
    assert " 2 " in f"{grace_row} "


def test_demo_borrowers_on_a_fresh_database_with_fixed_today(run):
    today = date(2026, 1, 15)
    table = run("demo-borrowers", "--today", today.isoformat()).stdout
    m6 = next(line for line in table.splitlines() if line.startswith("demo-m6plus"))
    assert (today - timedelta(days=200)).isoformat() in m6
    assert "200" in m6.split()


def test_reset_demo(run):
    run("init-db")
    out = run("init-db", "--reset-demo").stdout
    assert "demo-onplan" in out


def test_demo_token(run, monkeypatch):
    token = run("demo-token", "demo-m1", "--ttl", "120").stdout.strip()
    monkeypatch.setenv("BOT_TOKEN_SECRET", SECRET)
    assert verify_token(token) == "demo-m1"


def test_demo_token_unknown_borrower(run):
    proc = run("demo-token", "nobody", check=False)
    assert proc.returncode == 1 and "unknown borrower" in proc.stderr
