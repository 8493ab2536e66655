"""A borrower's Socket.IO connection for the channel tests (python-socketio's AsyncClient, the
reference implementation of the protocol our browser client speaks), over WebSocket like the
page. Raw frames: test_websocket_wire.py; our own JS client: tests/browser."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import socketio

# python-engineio's WebSocket client builds aiohttp.ClientWSTimeout (aiohttp >= 3.10); Rasa 3.6
# pins aiohttp 3.9, whose ws_connect takes the close timeout as a float. Test-only shim: the
# server side does not use aiohttp. (Long-polling works unshimmed but every disconnect waits
# for the pending poll, ~30 s.)
if not hasattr(aiohttp, "ClientWSTimeout"):
    aiohttp.ClientWSTimeout = lambda ws_close=10.0, **_: ws_close

def run(coro):
    """pytest-asyncio is not a dependency: each test runs its own event loop."""
    return asyncio.run(coro)


EVENTS = ("history", "bot_uttered", "handoff", "auth_error", "session_confirm")


class Borrower:
    def __init__(self, base_url: str, token: Optional[str]) -> None:
        self.base_url = base_url
        self.token = token
        self.events: List[Tuple[str, Any]] = []
        self.connect_error: Any = None
        self.disconnected = asyncio.Event()
        self.client = socketio.AsyncClient(reconnection=False)
        for name in EVENTS:
            self.client.on(name, self._recorder(name))
        self.client.on("connect_error", self._on_connect_error)
        self.client.on("disconnect", self._on_disconnect)

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            self.events.append((name, data))
        return record

    async def _on_connect_error(self, data: Any = None) -> None:
        self.connect_error = data

    async def _on_disconnect(self, *_: Any) -> None:
        self.disconnected.set()

    async def connect(self) -> "Borrower":
        auth = {"token": self.token} if self.token is not None else None
        await self.client.connect(self.base_url, auth=auth, transports=["websocket"],
                                  wait_timeout=10)
        return self

    async def refused_reason(self) -> Optional[str]:
        """Connect, expecting a refusal; the reason the server gave."""
        try:
            await self.connect()
        except socketio.exceptions.ConnectionError:
            data = self.connect_error or {}
            return (data.get("data") or {}).get("reason") if isinstance(data, dict) else None
        await self.client.disconnect()
        raise AssertionError("the connection was accepted")

    async def say(self, text: str, timeout: float = 90, **extra: Any) -> Dict[str, Any]:
        """Send a message; return the ack (it arrives when the turn is done)."""
        return await self.client.call("user_uttered", {"message": text, **extra}, timeout=timeout)

    async def wait_for(self, name: str, predicate=lambda d: True, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for event, data in self.events[seen:]:
                if event == name and predicate(data):
                    return data
            seen = 0
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {name!r} event; got {self.events!r}")

    async def settled(self, timeout: float = 20) -> None:
        """A round trip on this socket (session_request, session_confirm): whatever the
        server sent it before has arrived once this returns."""
        before = len(self.named("session_confirm"))
        await self.client.emit("session_request", {})
        deadline = time.monotonic() + timeout
        while len(self.named("session_confirm")) <= before:
            if time.monotonic() > deadline:
                raise AssertionError("no session_confirm for the round trip")
            await asyncio.sleep(0.02)

    def texts(self, sender: Optional[str] = None) -> List[str]:
        return [d.get("text") or "" for e, d in self.events
                if e == "bot_uttered" and (sender is None or d.get("sender") == sender)]

    def named(self, name: str) -> List[Any]:
        return [d for e, d in self.events if e == name]

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
