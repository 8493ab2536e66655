"""`python -m bot review list|export` against a throw-away SQLite file."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.review import store
from bot.storage import db

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as session:
        a = store.record_missed(session, "c1", "能不能少还点", "low_confidence", "ask_plan", 0.42)
        b = store.record_missed(session, "c1", "能不能少还点！", "fallback", "nlu_fallback", 0.2)
        c = store.record_missed(session, "c2", "手机13812345678 查下余额", "correction", None, None)
        store.record_missed(session, "c3", "哈哈哈", "handoff_after_fallback", None, None)
        store.label(session, a.id, "ask_reduce_payment", "ed")
        store.label(session, b.id, "ask_reduce_payment", "ed")
        store.label(session, c.id, "ask_balance", "ed")
    db.dispose_engine(url)
    return url


def _run(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "BOT_ENV": "development"}
    proc = subprocess.run([sys.executable, "-m", "bot", "review", *args], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_export_to_stdout(db_file):
    out = _run(db_file, "export").stdout
    data = yaml.safe_load(out)
    blocks = {b["intent"]: b["examples"] for b in data["nlu"]}
    assert blocks == {"ask_balance": "- 手机【手机号】 查下余额\n",
                      "ask_reduce_payment": "- 能不能少还点\n"}
    assert "13812345678" not in out


def test_export_to_file(db_file, tmp_path):
    target = tmp_path / "review_nlu.yml"
    proc = _run(db_file, "export", "--out", str(target))
    assert proc.stdout == ""
    assert "wrote 2 examples for 2 intents" in proc.stderr
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["version"] == "3.1" and len(data["nlu"]) == 2


def test_export_on_an_empty_database(tmp_path):
    out = _run(f"sqlite:///{tmp_path / 'empty.sqlite'}", "export").stdout
    assert yaml.safe_load(out) == {"version": "3.1", "nlu": []}


def test_list(db_file):
    out = _run(db_file, "list").stdout
    assert out.splitlines()[0].split()[:3] == ["id", "created", "reason"]
    assert "哈哈哈" in out and "【手机号】" in out and "13812345678" not in out
    new = _run(db_file, "list", "--status", "new").stdout
    assert "哈哈哈" in new and "少还点" not in new
    assert "no review items with status dismissed" in _run(
        db_file, "list", "--status", "dismissed").stdout
    grouped = _run(db_file, "list", "--grouped").stdout.splitlines()
    assert grouped[0].split() == ["count", "ids", "text"]
    assert grouped[2].split()[0] == "2"  # the two 少还点 messages together
