"""Two Rasa instances with `redis_url` in the socket channel's credentials: an emit on either
instance reaches the borrower's sockets on both (python-socketio's Redis client manager).
Skipped when redis-server is not installed."""
import asyncio
import shutil
import subprocess
import time
from datetime import date

import pytest
import socketio

from bot.devstack import ROOT, VENV_BIN, _wait, free_port, running_stack, trained_model
from bot.identity import issue_token
from tests.channels.support import Borrower, run

pytestmark = pytest.mark.conversation

REDIS_SERVER = shutil.which("redis-server")
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    import redis

    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory, redis_url):
    workdir = tmp_path_factory.mktemp("two-instances")
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "bot.channels.socket_channel.BorrowerSocketChannel:\n"
        f"  redis_url: {redis_url}\n"
        "bot.channels.web.WebPages:\n", encoding="utf-8")
    with running_stack(workdir, TODAY, credentials=str(credentials)) as first:
        port = free_port()
        log = workdir / "rasa-2.log"
        second = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(trained_model()), "--endpoints",
             "endpoints.yml", "--credentials", str(credentials), "--port", str(port),
             "--enable-api", "--auth-token", first["api_token"]],
            cwd=ROOT, env=first["env"], stdout=open(log, "w"), stderr=subprocess.STDOUT)
        try:
            _wait(f"http://127.0.0.1:{port}/status?token={first['api_token']}", [(second, log)])
            yield first["rasa"], f"http://127.0.0.1:{port}"
        finally:
            second.terminate()
            try:
                second.wait(timeout=20)
            except subprocess.TimeoutExpired:
                second.kill()


def test_an_emit_on_one_instance_reaches_sockets_on_the_other(two_instances, redis_url, fresh_id):
    a_url, b_url = two_instances
    me = fresh_id()
    token = issue_token(me)

    async def scenario():
        on_a = await Borrower(a_url, token).connect()
        on_b = await Borrower(b_url, token).connect()
        stranger = await Borrower(a_url, issue_token(fresh_id())).connect()
        for socket in (on_a, on_b, stranger):
            await socket.wait_for("history")
        # A turn handled by instance B ...
        assert (await on_b.say("你好"))["ok"]
        await on_a.wait_for("bot_uttered")
        deadline = time.monotonic() + 20  # the rest of the turn, through Redis
        while on_a.texts() != on_b.texts() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        # ... and an emit from any other process on the Redis channel (what the agent API
        # does through bot.handoff.hub on whichever instance served the agent).
        external = socketio.AsyncRedisManager(redis_url, write_only=True)
        await external.emit("bot_uttered", {"text": "我是客服小李", "sender": "agent",
                                            "agent_name": "小李"}, room="b:" + me, namespace="/")
        await on_a.wait_for("bot_uttered", lambda d: d.get("sender") == "agent")
        await on_b.wait_for("bot_uttered", lambda d: d.get("sender") == "agent")
        await asyncio.sleep(0.5)
        for socket in (on_a, on_b, stranger):
            await socket.close()
        return on_a.texts(), on_b.texts(), stranger.events

    texts_a, texts_b, stranger_events = run(scenario())
    assert texts_b and texts_a == texts_b
    assert texts_a[-1] == "我是客服小李"
    assert [e for e, _ in stranger_events] == ["history"]
