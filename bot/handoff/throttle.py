"""Agent sign-in throttling (坐席登录限流): failed sign-ins counted per user name and per
client address in a sliding window, with a growing lockout.

Rules (settings: the `sign_in:` section of bot/handoff/settings.yml, bot.handoff.hours):

* Up to `free_failures` failed sign-ins within `window_seconds` are answered normally. The
  failure that reaches that number locks the key for `first_lockout_seconds`.
* While a key is locked every attempt involving it is refused (HTTP 429 with Retry-After)
  before the password is even hashed, and the refused attempt does not count.
* Once locked, a key stays "in a streak": each further failure locks it again at once, for
  twice as long as the previous lockout, up to `max_lockout_seconds`. The streak (and the
  count) ends after `window_seconds` without failures and without a lockout running.
* A successful sign-in clears the user name's count and streak, not the address's (a
  guesser who knows one password must not wipe the count of the address it sprays from).
* Attempts in flight are reserved against the remaining free failures, so a burst of
  parallel requests cannot run more password checks than the count allows.

State lives in memory, in this process, behind a lock (the API calls it from the event loop,
tests from anywhere). NOTE: several bot instances each keep their own counts, so behind a
load balancer an attacker gets up to (instances × free_failures) tries per window; a shared
store (e.g. Redis) is part of the scale-out issue, not of this module.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, Optional, Tuple

from .hours import SignInSettings

logger = logging.getLogger(__name__)

Clock = Callable[[], float]  # seconds, only differences matter (time.monotonic)
Key = Tuple[str, str]        # ("user", name) or ("addr", address)

MAX_KEYS = 100_000           # memory bound under a spray from many addresses / user names
SWEEP_EVERY = 1_000          # operations between sweeps of forgotten entries


@dataclass
class _Entry:
    failures: Deque[float] = field(default_factory=deque)  # failure times inside the window
    level: int = 0               # lockouts in the current streak (0 = no streak)
    locked_until: float = 0.0
    last_failure: float = float("-inf")
    pending: int = 0             # attempts let through whose outcome is not known yet
    last_seen: float = 0.0


def user_key(username: str) -> Key:
    # authenticate() strips the name; case-folding also stops "Li"/"LI" counting apart.
    return ("user", (username or "").strip().casefold())


def address_key(address: str) -> Key:
    """IPv6 clients are counted per /64 (one subscriber's prefix: rotating addresses inside
    it must not reset the count); IPv4 and IPv4-mapped IPv6 per address."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return ("addr", text.lower())
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ("addr", str(ip.ipv4_mapped))
        return ("addr", str(ipaddress.IPv6Network((ip, 64), strict=False)))
    return ("addr", str(ip))


def client_address(request, trusted_proxies: int = 0) -> str:
    """The address sign-in failures are counted against.

    The connection's own peer address (`request.ip`) unless `trusted_proxies` (settings)
    says that many reverse proxies stand in front of the server and each appends the
    address it received the request from to X-Forwarded-For: then the entry written by the
    outermost trusted proxy (the `trusted_proxies`-th from the right) is the client. Entries
    further left were written by the client and are ignored. A request with fewer entries
    did not come through the proxies: its peer address is used. Sanic's own proxy
    settings (request.remote_addr) are not consulted: Rasa owns that app's config.
    """
    peer = getattr(request, "ip", "") or ""
    if trusted_proxies > 0:
        values = request.headers.getall("x-forwarded-for", []) if hasattr(
            request.headers, "getall") else [request.headers.get("x-forwarded-for") or ""]
        hops = [part.strip() for value in values for part in str(value).split(",")
                if part.strip()]
        if len(hops) >= trusted_proxies:
            return hops[-trusted_proxies]
    return peer


class SignInThrottle:
    """Thread-safe failed-sign-in counter. `clock` is injectable for tests."""

    def __init__(self, settings: Optional[SignInSettings] = None,
                 clock: Clock = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.settings = settings or SignInSettings()
        self._clock = clock
        self._max_keys = max_keys
        self._entries: Dict[Key, _Entry] = {}
        self._lock = threading.Lock()
        self._ops = 0

    # ----------------------------------------------------------------- public

    def acquire(self, username: str, address: str) -> Optional[int]:
        """None: go ahead and check the password, then report failed(), succeeded() or
        abandoned() exactly once. Otherwise the attempt is refused: seconds to wait
        (Retry-After, at least 1)."""
        keys = self._keys(username, address)
        with self._lock:
            now = self._clock()
            known = [e for e in (self._entries.get(k) for k in keys) if e is not None]
            wait = 0.0
            for entry in known:
                self._refresh(entry, now)
                if now < entry.locked_until:
                    wait = max(wait, entry.locked_until - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            if any(self._full(e) for e in known):
                # Not locked, but attempts in flight may use up what is left: ask the client
                # to come back when they have been answered.
                return 1
            for key in keys:  # refused attempts above create no entries
                self._entry(key, now).pending += 1
            self._housekeeping(now)
            return None

    def retry_after(self, username: str, address: str) -> Optional[int]:
        """Seconds a lockout still runs for this user name or address, None when none."""
        keys = self._keys(username, address)
        with self._lock:
            now = self._clock()
            waits = [e.locked_until - now for e in (self._entries.get(k) for k in keys)
                     if e is not None and now < e.locked_until]
            return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str) -> None:
        """A wrong user name or password: count it for both keys (may start a lockout)."""
        with self._lock:
            now = self._clock()
            for key in self._keys(username, address):
                entry = self._entry(key, now)
                entry.pending = max(0, entry.pending - 1)
                entry.failures.append(now)
                entry.last_failure = now
                if now < entry.locked_until:
                    continue  # already locked (an attempt that raced the lockout)
                if entry.level > 0 or len(entry.failures) >= self.settings.free_failures:
                    seconds = self.lockout_seconds(entry.level)
                    entry.locked_until = now + seconds
                    entry.level += 1
                    logger.warning("agent sign-in: %s locked out for %d s (lockout %d)",
                                   _describe(key), seconds, entry.level)
            self._housekeeping(now)

    def succeeded(self, username: str, address: str) -> None:
        """Signed in: the user name starts afresh; the address keeps its count."""
        with self._lock:
            now = self._clock()
            ukey, akey = self._keys(username, address)
            user = self._entries.get(ukey)
            if user is not None:
                user.failures.clear()
                user.level, user.locked_until = 0, 0.0
                user.last_failure = float("-inf")
                user.pending = max(0, user.pending - 1)
            self._release(akey)
            self._housekeeping(now)

    def abandoned(self, username: str, address: str) -> None:
        """The check could not be made (e.g. the database failed): release the reservation
        without counting anything."""
        with self._lock:
            for key in self._keys(username, address):
                self._release(key)

    def lockout_seconds(self, level: int) -> int:
        """Length of lockout number `level` + 1 of a streak: first, doubled, capped."""
        s = self.settings
        return min(s.first_lockout_seconds << min(level, 32), s.max_lockout_seconds)

    def __len__(self) -> int:
        return len(self._entries)

    # ---------------------------------------------------------------- private

    @staticmethod
    def _keys(username: str, address: str) -> Tuple[Key, Key]:
        return user_key(username), address_key(address)

    def _entry(self, key: Key, now: float) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        self._refresh(entry, now)
        entry.last_seen = now
        return entry

    def _refresh(self, entry: _Entry, now: float) -> None:
        window = self.settings.window_seconds
        while entry.failures and entry.failures[0] <= now - window:
            entry.failures.popleft()
        if entry.level and now >= max(entry.locked_until, entry.last_failure) + window:
            entry.level = 0  # a full window of quiet after the last lockout: streak over

    def _full(self, entry: _Entry) -> bool:
        if entry.level > 0:  # in a streak: the next failure locks again, one try at a time
            return entry.pending >= 1
        return len(entry.failures) + entry.pending >= self.settings.free_failures

    def _release(self, key: Key) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.pending = max(0, entry.pending - 1)

    def _forgettable(self, entry: _Entry, now: float) -> bool:
        self._refresh(entry, now)
        return (not entry.pending and not entry.failures and not entry.level
                and now >= entry.locked_until)

    def _housekeeping(self, now: float) -> None:
        self._ops += 1
        if self._ops % SWEEP_EVERY and len(self._entries) <= self._max_keys:
            return
        for key in [k for k, e in self._entries.items() if self._forgettable(e, now)]:
            del self._entries[key]
        excess = len(self._entries) - self._max_keys
        if excess > 0:  # a flood: forget the longest-idle entries without attempts in flight
            idle = sorted((e.last_seen, k) for k, e in self._entries.items() if not e.pending)
            for _, key in idle[:excess]:
                del self._entries[key]
            logger.warning("agent sign-in throttle full: forgot %d idle entries",
                           min(excess, len(idle)))


def _describe(key: Key) -> str:
    kind, value = key
    return f"{'user name' if kind == 'user' else 'address'} {value[:64]!r}"

