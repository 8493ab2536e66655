"""Scale-out mode on one machine: nginx (Debian's package) in front of several Rasa instances,
one action server per instance, PostgreSQL for the tracker store and our tables, Redis for
the conversation locks and the Socket.IO rooms. The same code and model as `make run`; only
endpoints.scale.yml and the credentials differ.

Used by `make run-scaled` (python -m bot.scaled_stack), the scale-out tests and `make bench`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from bot.devstack import ROOT, VENV_BIN, _wait, free_port, trained_model

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
REDIS = {"host": "127.0.0.1", "port": "6379"}
API_TOKEN_FOR_TESTS = "conversation-test-api-token"

# Sticky only where the socket needs it: Socket.IO's long-polling fallback must reach the
# instance holding its session (ip_hash); REST is stateless and goes round-robin, so one
# conversation's messages alternate between instances (the Redis lock keeps them in order).
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-tmp/body;
  proxy_temp_path {work}/nginx-tmp/proxy;
  fastcgi_temp_path {work}/nginx-tmp/fastcgi;
  uwsgi_temp_path {work}/nginx-tmp/uwsgi;
  scgi_temp_path {work}/nginx-tmp/scgi;
  client_max_body_size 1m;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream rasa {{
{servers}
    keepalive 64;
  }}
  upstream rasa_socket {{
    ip_hash;
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location /socket.io/ {{
      proxy_pass http://rasa_socket;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 3600s;
    }}
    location / {{
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 120s;
    }}
  }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found is None:
        raise RuntimeError("nginx is not installed: run scripts/ensure-nginx")
    return found


def _pg_admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def create_database(name: str, keep_existing: bool = False) -> None:
    import psycopg2

    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except psycopg2.errors.DuplicateDatabase:
        if not keep_existing:
            raise


def drop_database(name: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scaled_env(database: str, base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The variables endpoints.scale.yml and our storage read, for one PostgreSQL database."""
    env = dict(base if base is not None else os.environ)
    env.update({
        "DATABASE_URL": f"postgresql+psycopg2://{PG['user']}@{PG['host']}:{PG['port']}/{database}",
        "TRACKER_PG_HOST": PG["host"], "TRACKER_PG_PORT": PG["port"], "TRACKER_PG_DB": database,
        "TRACKER_PG_USER": PG["user"], "TRACKER_PG_PASSWORD": "",
        "REDIS_HOST": REDIS["host"], "REDIS_PORT": REDIS["port"],
        "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SANIC_WORKERS": "1",
    })
    return env


def _start(cmd: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(procs: List[Tuple[subprocess.Popen, Path]]) -> None:
    for proc, _ in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc, _ in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _behind_one_proxy(workdir: Path) -> Path:
    """The handoff settings with sign_in.trusted_proxies: 1, so the agent sign-in throttle
    counts the address nginx saw (nginx replaces any X-Forwarded-For the client sent)."""
    import yaml

    from bot.handoff.hours import SETTINGS_PATH

    settings = yaml.safe_load(Path(SETTINGS_PATH).read_text(encoding="utf-8"))
    settings.setdefault("sign_in", {})["trusted_proxies"] = 1
    target = workdir / "handoff-settings.yml"
    target.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return target


@contextmanager
def running_scaled_stack(workdir: Path, today: Optional[date] = None, instances: int = 2,
                         database: Optional[str] = None, keep_database: bool = False,
                         port: Optional[int] = None, rasa_ports: Optional[List[int]] = None,
                         action_ports: Optional[List[int]] = None,
                         api_token: str = API_TOKEN_FOR_TESTS,
                         extra_env: Optional[Dict[str, str]] = None) -> Iterator[Dict[str, Any]]:
    """Start `instances` Rasa servers (each with its own action server) and nginx in front.

    database: the PostgreSQL database (created; a fresh uniquely named one by default, dropped
    afterwards unless keep_database). Yields the URLs, the environment and the processes."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "nginx-tmp").mkdir(exist_ok=True)
    database = database or f"borrower_bot_test_{uuid.uuid4().hex[:8]}"
    create_database(database, keep_existing=keep_database)
    env = scaled_env(database)
    if today is not None:
        env["BOT_TODAY"] = today.isoformat()
    env.setdefault("BOT_ENV", "development")
    env.setdefault("ACTION_SERVER_SECRET", "dev-only-action-server-secret-not-for-production")
    env.update(extra_env or {})
    if "BOT_HANDOFF_SETTINGS" not in env:
        env["BOT_HANDOFF_SETTINGS"] = str(_behind_one_proxy(workdir))
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        "bot.channels.rest_channel.BorrowerRestChannel:\n"
        "bot.channels.socket_channel.BorrowerSocketChannel:\n"
        "  socketio_path: /socket.io\n"
        f"  redis_url: redis://{REDIS['host']}:{REDIS['port']}/0\n"
        "bot.channels.web.WebPages:\n"
        "bot.review.api.ReviewPages:\n", encoding="utf-8")
    rasa_ports = rasa_ports or [free_port() for _ in range(instances)]
    action_ports = action_ports or [free_port() for _ in range(instances)]
    port = port or free_port()
    procs: List[Tuple[subprocess.Popen, Path]] = []
    try:
        init = subprocess.run([sys.executable, "-m", "bot", "init-db"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if init.returncode != 0:
            raise RuntimeError(f"init-db failed:\n{init.stdout}{init.stderr}")
        model = str(trained_model())
        for i in range(instances):
            action_env = dict(env, ACTION_PORT=str(action_ports[i]))
            log = workdir / f"actions-{i + 1}.log"
            procs.append((_start([sys.executable, "-m", "actions.server"], action_env, log), log))
        def start_rasa(i: int, log: Path) -> subprocess.Popen:
            rasa_env = dict(env, ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_ports[i]}/webhook")
            return _start(
                [str(VENV_BIN / "rasa"), "run", "--model", model, "--endpoints", "endpoints.scale.yml",
                 "--credentials", str(credentials), "--port", str(rasa_ports[i]), "--enable-api",
                 "--auth-token", api_token], rasa_env, log)

        for i in range(instances):
            log = workdir / f"rasa-{i + 1}.log"
            procs.append((start_rasa(i, log), log))
        servers = "\n".join(f"    server 127.0.0.1:{p};" for p in rasa_ports)
        conf = workdir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(work=workdir, servers=servers, port=port), encoding="utf-8")
        log = workdir / "nginx.log"
        procs.append((_start([nginx_binary(), "-c", str(conf), "-p", str(workdir)], env, log), log))
        for p in action_ports:
            _wait(f"http://127.0.0.1:{p}/health", procs)
        for p in rasa_ports:
            _wait(f"http://127.0.0.1:{p}/status?token={api_token}", procs)
        _wait(f"http://127.0.0.1:{port}/webhooks/rest/", procs)

        def kill_instance(i: int) -> None:
            """SIGKILL Rasa instance i (0-based), as a crash would."""
            proc = procs[instances + i][0]
            proc.kill()
            proc.wait(timeout=20)

        def start_instance(i: int) -> None:
            """Start Rasa instance i again on its port, and wait until it answers."""
            log = workdir / f"rasa-{i + 1}-restarted.log"
            procs[instances + i] = (start_rasa(i, log), log)
            _wait(f"http://127.0.0.1:{rasa_ports[i]}/status?token={api_token}", procs)

        yield {
            "url": f"http://127.0.0.1:{port}",
            "instances": [f"http://127.0.0.1:{p}" for p in rasa_ports],
            "action_servers": [f"http://127.0.0.1:{p}" for p in action_ports],
            "env": env, "api_token": api_token, "database": database,
            "pids": {"actions": [p.pid for p, _ in procs[:instances]],
                     "rasa": [p.pid for p, _ in procs[instances:2 * instances]],
                     "nginx": procs[-1][0].pid},
            "logs": {log.name: log for _, log in procs},
            "processes": [proc for proc, _ in procs],
            "kill_instance": kill_instance, "start_instance": start_instance,
        }
    finally:
        _stop(procs)
        if not keep_database:
            from bot.storage.db import dispose_engines

            dispose_engines()
            drop_database(database)


def main() -> None:
    """`make run-scaled`: nginx on RASA_PORT, two Rasa instances and two action servers behind it."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--database", default=os.environ.get("SCALED_DATABASE", "borrower_bot"))
    args = parser.parse_args()
    front = int(os.environ.get("RASA_PORT", "5005"))
    actions = int(os.environ.get("ACTION_PORT", "5055"))
    token = os.environ.get("RASA_API_TOKEN", "dev-api-token")
    workdir = ROOT / "var" / "scaled"
    with running_scaled_stack(workdir, instances=args.instances, database=args.database,
                              keep_database=True, port=front,
                              rasa_ports=[front + 1 + i for i in range(args.instances)],
                              action_ports=[actions + i for i in range(args.instances)],
                              api_token=token) as stack:
        base = stack["url"]
        print(f"""
The assistant runs in scale-out mode ({args.instances} Rasa instances behind nginx):
  Load balancer  {base}   (REST round-robin; /socket.io/ sticky by address)
  Rasa instances {' '.join(stack['instances'])}
  Action servers {' '.join(stack['action_servers'])}
  PostgreSQL     database {args.database} on {PG['host']}:{PG['port']} (tracker store and our tables)
  Redis          {REDIS['host']}:{REDIS['port']} (db 1: conversation locks; Socket.IO rooms)
  REST channel   POST {base}/webhooks/rest/webhook
  Web chat       {base}/chat/#token=...
  Agent console  {base}/agent/
  Editors' review {base}/review/
  A token        BOT_ENV=development .venv/bin/python -m bot demo-token demo-m1
  Logs           var/scaled/*.log
Ctrl-C stops everything.""", flush=True)
        try:
            while all(proc.poll() is None for proc in stack["processes"]):
                time.sleep(1)
            print("a server stopped; see var/scaled/*.log", flush=True)
        except KeyboardInterrupt:
            pass


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
    main()
