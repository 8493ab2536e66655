"""The exact WebSocket frames bot/web/chat/sio.js relies on (Engine.IO v4 / Socket.IO v5
protocol), against the real server: open packet, connect with auth, refusal, event with ack."""
import asyncio
import json

import pytest
import websockets

from bot.identity import issue_token
from tests.channels.support import run

pytestmark = pytest.mark.conversation


def ws_url(stack):
    return stack["rasa"].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"


async def frames_until(ws, predicate, timeout=90):
    seen = []
    async def loop():
        while True:
            frame = await ws.recv()
            if frame == "2":  # the server's ping: answer like the page does
                await ws.send("3")
                continue
            seen.append(frame)
            if predicate(frame):
                return seen
    return await asyncio.wait_for(loop(), timeout)


def test_open_connect_event_and_ack_frames(web_stack, fresh_id):
    async def scenario():
        async with websockets.connect(ws_url(web_stack)) as ws:
            opening = await ws.recv()
            await ws.send("40" + json.dumps({"token": issue_token(fresh_id())}))
            connected = await ws.recv()
            history = await frames_until(ws, lambda f: f.startswith('42["history"'))
            await ws.send('427["user_uttered",{"message":"你好"}]')
            turn = await frames_until(ws, lambda f: f.startswith("437"))
            return opening, connected, history, turn

    opening, connected, history, turn = run(scenario())
    assert opening[0] == "0"
    info = json.loads(opening[1:])
    assert info["pingInterval"] > 0 and info["pingTimeout"] > 0 and info["upgrades"] == []
    assert connected.startswith("40") and "sid" in json.loads(connected[2:])
    assert json.loads(history[-1][2:]) == ["history", {"messages": []}]
    events = [json.loads(f[2:]) for f in turn if f.startswith("42[")]
    assert events and all(name == "bot_uttered" and body["sender"] == "bot" for name, body in events)
    assert json.loads(turn[-1][3:]) == [{"ok": True}]  # the ack closes the turn


def test_refusal_frame_carries_the_reason(web_stack):
    async def scenario():
        async with websockets.connect(ws_url(web_stack)) as ws:
            await ws.recv()
            await ws.send("40" + json.dumps({"token": "forged.token.value"}))
            return await ws.recv()

    frame = run(scenario())
    assert frame.startswith("44")
    assert json.loads(frame[2:]) == {"message": "auth_error", "data": {"reason": "malformed"}}


def test_events_before_connect_are_not_processed(web_stack):
    """No Socket.IO CONNECT, no session: a message frame goes nowhere."""
    async def scenario():
        async with websockets.connect(ws_url(web_stack)) as ws:
            await ws.recv()
            await ws.send('421["user_uttered",{"message":"你好"}]')
            try:
                return await asyncio.wait_for(ws.recv(), 3)
            except asyncio.TimeoutError:
                return None
            except websockets.ConnectionClosed:
                return "closed"

    assert run(scenario()) in (None, "closed")
