"""Agent sign-in throttling: the throttle itself with an injected clock, its settings, the
client address, and the real login route over HTTP (no sleeps: the clock is injected)."""
import threading
import uuid
from types import SimpleNamespace

import pytest
from sanic import Sanic

from bot.handoff import agents, hours
from bot.handoff.api import agent_api_blueprint
from bot.handoff.hours import SettingsError, SignInSettings, parse_settings
from bot.handoff.throttle import SignInThrottle, address_key, client_address
from tests.handoff.conftest import make_agent
from tests.handoff.test_api import LiveServer


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def make(clock, **overrides):
    values = dict(free_failures=5, first_lockout_seconds=30, max_lockout_seconds=900,
                  window_seconds=900)
    values.update(overrides)
    return SignInThrottle(SignInSettings(**values), clock=clock)


def fail(throttle, user="li", addr="10.0.0.1"):
    """One attempt that is let through and fails; the refusal (None when let through)."""
    wait = throttle.acquire(user, addr)
    if wait is None:
        throttle.failed(user, addr)
    return wait


def succeed(throttle, user="li", addr="10.0.0.1"):
    wait = throttle.acquire(user, addr)
    if wait is None:
        throttle.succeeded(user, addr)
    return wait


@pytest.fixture
def clock():  # overrides the handoff conftest's datetime StepClock in this module
    return FakeClock()


# ------------------------------------------------------------------ throttle

def test_lockout_after_n_failures_with_retry_after(clock):
    t = make(clock)
    assert [fail(t) for _ in range(5)] == [None] * 5
    assert t.acquire("li", "10.0.0.1") == 30
    clock.advance(12.5)
    assert t.acquire("li", "10.0.0.1") == 18  # rounded up, never 0
    assert t.retry_after("li", "10.0.0.1") == 18
    clock.advance(17.4)
    assert t.acquire("li", "10.0.0.1") == 1
    clock.advance(0.1)
    assert t.acquire("li", "10.0.0.1") is None  # lockout over: one more try


def test_refused_attempts_do_not_count_or_extend_the_lockout(clock):
    t = make(clock)
    for _ in range(5):
        fail(t)
    for _ in range(50):
        assert fail(t) == 30
    clock.advance(30)
    assert succeed(t) is None


def test_each_further_lockout_doubles_up_to_the_cap(clock):
    t = make(clock, max_lockout_seconds=200)
    for _ in range(5):
        fail(t)
    seen = [t.acquire("li", "10.0.0.1")]
    for _ in range(5):
        clock.advance(seen[-1])
        assert fail(t) is None          # let through once the lockout has run out ...
        seen.append(t.acquire("li", "10.0.0.1"))  # ... and its failure locks again
    assert seen == [30, 60, 120, 200, 200, 200]
    assert [t.lockout_seconds(n) for n in (0, 1, 2, 3, 100)] == [30, 60, 120, 200, 200]


def test_streak_and_counts_end_after_a_quiet_window(clock):
    t = make(clock, window_seconds=600)
    for _ in range(5):
        fail(t)
    clock.advance(30)
    fail(t)  # second lockout, 60 s
    clock.advance(60 + 600)  # lockout over, then a full window of quiet
    assert [fail(t) for _ in range(5)] == [None] * 5  # five free failures again
    assert t.acquire("li", "10.0.0.1") == 30           # and back to the first lockout


def test_sliding_window_forgets_old_failures(clock):
    t = make(clock, window_seconds=900)
    for _ in range(4):
        fail(t)
        clock.advance(100)  # failures at 0, 100, 200, 300
    clock.advance(600)      # now 1000: the ones at 0 and 100 are out of the window
    assert fail(t) is None and fail(t) is None          # 3, then 4 in the window
    assert fail(t) is None                              # 5th in the window locks
    assert t.acquire("li", "10.0.0.1") == 30


def test_success_clears_the_user_name_not_the_address(clock):
    t = make(clock)
    for _ in range(4):
        fail(t, "li", "10.0.0.1")
    assert succeed(t, "li", "10.0.0.1") is None
    # The user name starts afresh: four more failures (from elsewhere) are not a lockout.
    for _ in range(4):
        assert fail(t, "li", "10.0.0.2") is None
    assert t.acquire("li", "10.0.0.3") is None
    t.abandoned("li", "10.0.0.3")
    # The address kept its four: one more failure, for any user name, locks it.
    assert fail(t, "wang", "10.0.0.1") is None
    assert t.acquire("zhao", "10.0.0.1") == 30
    assert t.acquire("wang", "10.0.0.9") is None  # the user name "wang" has only one
    t.abandoned("wang", "10.0.0.9")


def test_address_is_locked_across_different_user_names(clock):
    t = make(clock)
    for n in range(5):
        assert fail(t, f"user{n}", "10.0.0.1") is None
    assert t.acquire("li", "10.0.0.1") == 30     # a user name never tried before
    assert t.acquire("li", "10.0.0.2") is None   # from another address it is fine
    t.abandoned("li", "10.0.0.2")


def test_user_name_is_locked_across_addresses_and_letter_case(clock):
    t = make(clock)
    for n in range(5):
        assert fail(t, "li", f"10.0.1.{n}") is None
    assert t.acquire(" LI ", "10.0.9.9") == 30


def test_attempts_in_flight_use_up_the_free_failures(clock):
    t = make(clock)
    for _ in range(5):
        assert t.acquire("li", "10.0.0.1") is None  # five parallel checks running
    assert t.acquire("li", "10.0.0.1") == 1          # a sixth must wait for them
    t.abandoned("li", "10.0.0.1")                    # e.g. the database failed
    assert t.acquire("li", "10.0.0.1") is None
    for _ in range(5):
        t.failed("li", "10.0.0.1")
    assert t.acquire("li", "10.0.0.1") == 30


def test_memory_stays_bounded_under_a_spray(clock):
    t = SignInThrottle(SignInSettings(), clock=clock, max_keys=50)
    for n in range(2000):
        fail(t, f"u{n}", f"10.{n // 250}.{n % 250}.1")
        clock.advance(0.01)
    assert len(t) <= 52  # the cap, plus the entries of the attempt being counted


def test_thread_safe_counting(clock):
    t = make(clock, free_failures=10_000)
    def worker(n):
        for _ in range(200):
            assert t.acquire(f"user{n}", "10.0.0.1") is None
            t.failed(f"user{n}", "10.0.0.1")
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    entry = t._entries[address_key("10.0.0.1")]
    assert len(entry.failures) == 1600 and entry.pending == 0


# -------------------------------------------------------------- client address

def _request(ip, forwarded=None):
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return SimpleNamespace(ip=ip, headers=headers)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted():
    req = _request("203.0.113.9", "1.2.3.4, 198.51.100.7")
    assert client_address(req) == "203.0.113.9"
    assert client_address(req, trusted_proxies=0) == "203.0.113.9"
    assert client_address(req, trusted_proxies=1) == "198.51.100.7"
    assert client_address(req, trusted_proxies=2) == "1.2.3.4"
    assert client_address(req, trusted_proxies=3) == "203.0.113.9"  # not through 3 proxies
    assert client_address(_request("203.0.113.9"), trusted_proxies=1) == "203.0.113.9"


def test_ipv6_addresses_count_per_64_prefix():
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:10.0.0.1") == address_key("10.0.0.1")
    assert address_key("10.0.0.1") != address_key("10.0.0.2")


# ------------------------------------------------------------------- settings

def test_sign_in_settings_defaults_shipped_and_errors():
    assert parse_settings({}).sign_in == SignInSettings()
    shipped = hours.load_settings(hours.SETTINGS_PATH).sign_in
    assert shipped == SignInSettings(free_failures=5, first_lockout_seconds=30,
                                     max_lockout_seconds=900, window_seconds=900,
                                     trusted_proxies=0)
    assert parse_settings({"sign_in": {"free_failures": 3}}).sign_in.free_failures == 3
    for bad in ({"free_failures": 0}, {"window_seconds": "900"}, {"trusted_proxies": True},
                {"first_lockout_seconds": 60, "max_lockout_seconds": 30},
                {"lockout": 30}, ["free_failures"]):
        with pytest.raises(SettingsError):
            parse_settings({"sign_in": bad})


# ------------------------------------------------------------- the login route

@pytest.fixture
def hash_calls(monkeypatch):
    """Every password check the login route runs, with the thread it ran on."""
    calls = []
    real = agents.verify_password

    def counting(password, stored):
        calls.append(threading.current_thread().name)
        return real(password, stored)

    monkeypatch.setattr(agents, "verify_password", counting)
    return calls


def _serve(url, **blueprint_args):
    Sanic.test_mode = True  # several apps in one process, as in test_api.py
    app = Sanic(f"t{uuid.uuid4().hex[:8]}")
    app.blueprint(agent_api_blueprint(db_url=url, **blueprint_args))
    return LiveServer(app)


@pytest.fixture
def site(sqlite_url, monkeypatch):
    monkeypatch.setenv("BOT_ENV", "development")
    make_agent(sqlite_url, "li", "客服小李", "li-password-1")
    clock = FakeClock()
    throttle = make(clock)
    server = _serve(sqlite_url, sign_in_throttle=throttle)
    yield SimpleNamespace(server=server, clock=clock, throttle=throttle, url=sqlite_url)
    server.stop()


def login(server, password, username="li", headers=None):
    return server.call("POST", "/login", json={"username": username, "password": password},
                       headers=headers)


def test_thirty_wrong_passwords_then_lockout_then_the_right_one(site, hash_calls):
    answers = [login(site.server, f"wrong-{n}") for n in range(30)]
    codes = [r.status_code for r in answers]
    assert codes == [401] * 5 + [429] * 25
    assert len(hash_calls) == 5  # locked-out attempts never reach the password hash
    assert all(name.startswith("agent-sign-in") for name in hash_calls)  # off the loop
    for r in answers[5:]:
        assert r.headers["Retry-After"] == "30"
        body = r.json()
        assert body["error"] == "too_many_attempts" and "30" in body["message"]

    right = login(site.server, "li-password-1")  # the right password during the lockout
    assert right.status_code == 429 and right.json()["error"] == "too_many_attempts"
    assert len(hash_calls) == 5

    site.clock.advance(20)
    assert login(site.server, "li-password-1").headers["Retry-After"] == "10"
    site.clock.advance(10)
    ok = login(site.server, "li-password-1")
    assert ok.status_code == 200, ok.text
    assert agents.verify_agent_token(ok.json()["token"]) == ok.json()["agent"]["id"]

    # The user name was cleared, the address was not: it is still in its streak, so its
    # next failure locks it again, twice as long.
    assert login(site.server, "wrong-again").status_code == 401
    again = login(site.server, "li-password-1")
    assert again.status_code == 429 and again.headers["Retry-After"] == "60"


def test_address_lockout_covers_other_user_names_and_forwarded_for_is_ignored(site):
    for n in range(5):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert login(site.server, "nope-nope", f"user{n}", spoofed).status_code == 401
    refused = login(site.server, "li-password-1", "li", {"X-Forwarded-For": "203.0.113.1"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"


def test_trusted_proxy_addresses_are_counted_apart(sqlite_url, monkeypatch):
    monkeypatch.setenv("BOT_ENV", "development")
    throttle = make(FakeClock(), trusted_proxies=1)
    server = _serve(sqlite_url, sign_in_throttle=throttle)
    try:
        for n in range(6):  # six different clients behind the proxy, one failure each
            forwarded = {"X-Forwarded-For": f"1.1.1.1, 198.51.100.{n}"}
            assert login(server, "nope-nope", f"user{n}", forwarded).status_code == 401
    finally:
        server.stop()


def test_database_errors_do_not_count(site, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(agents, "authenticate", broken)
    for _ in range(8):
        r = login(site.server, "li-password-1")
        assert r.status_code == 500 and r.json()["error"] == "internal"
    monkeypatch.undo()
    monkeypatch.setenv("BOT_ENV", "development")
    assert login(site.server, "li-password-1").status_code == 200


def test_the_default_throttle_reads_the_settings_file(sqlite_url, monkeypatch, tmp_path):
    settings = tmp_path / "handoff.yml"
    settings.write_text("sign_in:\n  free_failures: 2\n  first_lockout_seconds: 7\n",
                        encoding="utf-8")
    monkeypatch.setenv("BOT_HANDOFF_SETTINGS", str(settings))
    monkeypatch.setenv("BOT_ENV", "development")
    make_agent(sqlite_url, "li", "客服小李", "li-password-1")
    server = _serve(sqlite_url)
    try:
        codes = [login(server, "nope-nope").status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        assert login(server, "li-password-1").headers["Retry-After"] == "7"
    finally:
        server.stop()
