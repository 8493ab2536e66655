"""Starts the real stack (conversation tests, make bench): the action server and the Rasa server with
the trained model (REST channel, SQLite tracker store), on free local ports, against a fresh
seeded database."""
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Dict, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def trained_model() -> Path:
    model = os.environ.get("MODEL")
    if not model:
        digest = subprocess.run([sys.executable, str(ROOT / "scripts" / "model_hash.py")],
                                capture_output=True, text=True, check=True).stdout.strip()
        model = f"models/{digest}.tar.gz"
    path = ROOT / model
    if not path.is_file():
        raise RuntimeError(f"no trained model at {model}: run `make train` first")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, procs, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc, log in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a server exited early:\n{Path(log).read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"timed out waiting for {url}")


@contextmanager
def running_stack(workdir: Path, today: date, extra_env: Optional[Dict[str, str]] = None,
                  credentials: str = "credentials.yml"):
    """extra_env: more variables for both servers (e.g. BOT_DEMO=1); credentials: the Rasa
    credentials file (path relative to the repository or absolute)."""
    rasa_port, action_port = free_port(), free_port()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite:///{workdir / 'bot.sqlite'}",
        "BOT_TODAY": today.isoformat(),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_SQLITE_PATH": str(workdir / "tracker.sqlite"),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SANIC_WORKERS": "1",
        "ACTION_PORT": str(action_port),
    })
    env.setdefault("BOT_ENV", "development")
    env.setdefault("ACTION_SERVER_SECRET", "dev-only-action-server-secret-not-for-production")
    env.update(extra_env or {})
    init = subprocess.run([sys.executable, "-m", "bot", "init-db"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if init.returncode != 0:
        raise RuntimeError(f"init-db failed:\n{init.stdout}{init.stderr}")
    procs = []
    try:
        action_log = workdir / "actions.log"
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "actions.server"],
            cwd=ROOT, env=env, stdout=open(action_log, "w"), stderr=subprocess.STDOUT), action_log))
        rasa_log = workdir / "rasa.log"
        procs.append((subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(trained_model()), "--endpoints", "endpoints.yml",
             "--credentials", str(credentials), "--port", str(rasa_port), "--enable-api",
             "--auth-token", "conversation-test-api-token"],
            cwd=ROOT, env=env, stdout=open(rasa_log, "w"), stderr=subprocess.STDOUT), rasa_log))
        _wait(f"http://127.0.0.1:{action_port}/health", procs)
        _wait(f"http://127.0.0.1:{rasa_port}/status?token=conversation-test-api-token", procs)
        yield {"rasa": f"http://127.0.0.1:{rasa_port}", "env": env, "api_token": "conversation-test-api-token",
               "logs": {"rasa": rasa_log, "actions": action_log},
               "pids": {"actions": procs[0][0].pid, "rasa": procs[1][0].pid}}
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
