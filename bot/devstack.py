"""Starts the real stack (conversation tests, make bench): the action server and the Rasa server with
the trained model (REST channel, SQLite tracker store), on free local ports, against a fresh
seeded database.

For the fault tests: the stack's action server can be killed and started again on the same
port (`stack["action_server"]`), and TcpProxy puts a cuttable connection between the servers
and a database (the database is "down" while the proxy is cut)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional, Set

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


class ActionServer:
    """The stack's action server (`python -m actions.server`) on a fixed port: the fault tests
    kill it and start it again on the same port, where the Rasa server still calls it."""

    def __init__(self, env: Dict[str, str], port: int, log: Path, pids: Dict[str, int]) -> None:
        self.env, self.port, self.log, self.pids = env, port, log, pids
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "actions.server"], cwd=ROOT, env=self.env,
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        self.pids["actions"] = self.proc.pid

    def wait_ready(self, timeout: float = 300) -> None:
        assert self.proc is not None
        _wait(f"{self.url}/health", [(self.proc, self.log)], timeout)

    def restart(self, timeout: float = 300) -> None:
        """Start it again (same port, same environment) and wait until it answers."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("the action server is still running")
        self.start()
        self.wait_ready(timeout)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill it as a crash would (no clean shutdown) and wait until the port is closed."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"port {self.port} still answers after the action server died")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class TcpProxy:
    """A TCP relay from a free local port to host:port, run in threads of the calling process.
    cut(): every relayed connection is dropped and new ones are refused, as when a database
    server goes down; restore(): it listens again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: Set[socket.socket] = set()
        self._listener: Optional[socket.socket] = None
        self._threads: List[threading.Thread] = []

    def __enter__(self) -> "TcpProxy":
        self.restore()
        return self

    def __exit__(self, *_: object) -> None:
        self.cut()

    @property
    def is_up(self) -> bool:
        return self._listener is not None

    def restore(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            _close(sock)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = [t for t in self._threads if t.is_alive()]

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _close(client)
                    _close(upstream)
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                pump = threading.Thread(target=self._pump, args=(source, sink), daemon=True)
                pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _close(sock)
            with self._lock:
                self._sockets -= {source, sink}


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@contextmanager
def running_stack(workdir: Path, today: date, extra_env: Optional[Dict[str, str]] = None,
                  credentials: str = "credentials.yml", endpoints: str = "endpoints.yml"):
    """extra_env: more variables for both servers (e.g. BOT_DEMO=1); credentials: the Rasa
    credentials file (path relative to the repository or absolute); endpoints: the Rasa
    endpoints file (e.g. endpoints.scale.yml with the TRACKER_PG_* and REDIS_* variables in
    extra_env).

    Yields the URLs, the environment, the logs and pids, and `action_server` (ActionServer:
    kill it, restart it on the same port)."""
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
    pids: Dict[str, int] = {}
    action_server = ActionServer(env, action_port, workdir / "actions.log", pids)
    rasa_proc: Optional[subprocess.Popen] = None
    try:
        action_server.start()
        rasa_log = workdir / "rasa.log"
        rasa_proc = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(trained_model()), "--endpoints", str(endpoints),
             "--credentials", str(credentials), "--port", str(rasa_port), "--enable-api",
             "--auth-token", "conversation-test-api-token"],
            cwd=ROOT, env=env, stdout=open(rasa_log, "w"), stderr=subprocess.STDOUT)
        pids["rasa"] = rasa_proc.pid
        procs = [(action_server.proc, action_server.log), (rasa_proc, rasa_log)]
        _wait(f"http://127.0.0.1:{action_port}/health", procs)
        _wait(f"http://127.0.0.1:{rasa_port}/status?token=conversation-test-api-token", procs)
        yield {"rasa": f"http://127.0.0.1:{rasa_port}", "env": env, "api_token": "conversation-test-api-token",
               "logs": {"rasa": rasa_log, "actions": action_server.log},
               "pids": pids, "action_server": action_server}
    finally:
        action_server.stop()
        if rasa_proc is not None:
            rasa_proc.terminate()
            try:
                rasa_proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                rasa_proc.kill()
