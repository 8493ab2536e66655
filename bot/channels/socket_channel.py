"""The borrower's authenticated Socket.IO channel (web chat and app), on Rasa's SocketIOInput.

Why not the stock channel: it lets any client join the room of any session id it names
(session_request) and checks the JWT only at connect. Here
- the borrower token comes in the Socket.IO connect `auth` payload and is verified with
  bot.identity; a missing, forged or expired token refuses the connection;
- the conversation (Rasa sender id and the socket room) is "b:" + the token's borrower id;
  any session id sent by the client is ignored;
- every message re-verifies the token (expired: "auth_error", message dropped, socket
  closed) and a timer closes the socket when the token expires even if it stays silent, so
  an expired session stops receiving agent messages too;
- actions receive the token in the message metadata (they load accounts from it, never from
  anything the borrower typed);
- never silence caused by a failure (bot.channels.slow_turns): a slow turn is told within
  TURN_REPLY_SECONDS; a failed action call, a turn that said nothing (unless paused for a
  person: then the handoff state) or a failed turn gets the trouble sentence and a way to a
  person, also when a slow turn ends that way later.

Credentials (credentials.yml, all optional):
    bot.channels.socket_channel.BorrowerSocketChannel:
      socketio_path: /socket.io
      redis_url: redis://localhost:6379/0   # several instances: emits travel through Redis
      cors_allowed_origins: null            # null = same origin only; or a list of origins
      max_message_chars: 2000
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

import jwt
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError

from bot.channels.inbound import checked_text, identity_metadata
from bot.channels.slow_turns import (
    PROBE_SECONDS,
    TurnOutcome,
    before_deadline,
    deadline_in,
    handoff_can_work,
    refuse_blank_trackers,
    run_turn,
    seconds_left,
    trouble_reply,
)
from bot.deployment import require_safe_startup
from bot.handoff import borrower_side, hub
from bot.handoff.transcript import clean_buttons, transcript
from bot.identity import TokenConfigError, TokenError, verify_token

logger = logging.getLogger(__name__)

CONVERSATION_PREFIX = "b:"
HISTORY_LIMIT = 200
# A borrower message stored by the tracker and the same text stored as a TicketMessage
# within this many seconds are one message.
_DEDUPE_SECONDS = 300
# Client-side ack answers: the typing indicator stops when the turn is done.
ACK_OK = {"ok": True}


def conversation_id_for(borrower_id: str) -> str:
    return CONVERSATION_PREFIX + borrower_id


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def _token_expiry(token: str) -> Optional[float]:
    """exp of a token that verify_token() already accepted (no second signature check)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        return None


class BorrowerSocketOutput(OutputChannel):
    """Sends the bot's responses to the conversation's room in the contract's shape:
    "bot_uttered" {text, buttons?, sender: "bot"}; a custom {"handoff": {...}} payload becomes
    a "handoff" event. The room is always the recipient (the stock channel lets a custom
    payload's "room" key choose where it goes)."""

    @classmethod
    def name(cls) -> Text:
        return BorrowerSocketChannel.name()

    def __init__(self, sio: AsyncServer, bot_message_evt: Text = "bot_uttered") -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt
        self.sent = 0  # messages this output sent: a turn that said nothing is a fault

    async def _emit(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.sio.emit(self.bot_message_evt, {**message, "sender": "bot"}, room=recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # One response, one bubble; the client keeps the line breaks.
        await self._emit(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {"text": text, "buttons": clean_buttons(buttons)})

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"attachment": attachment})

    async def send_elements(
        self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {"elements": list(elements)})

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        handoff = json_message.get("handoff") if isinstance(json_message, dict) else None
        if isinstance(handoff, dict) and handoff.get("state"):
            self.sent += 1
            await self.sio.emit("handoff", handoff, room=recipient_id)
            return
        await self._emit(recipient_id, {"custom": json_message})


# ---- history ---------------------------------------------------------------------------

def _tracker_messages(events: Iterable[Any]) -> List[Dict[Text, Any]]:
    """The tracker's messages as the borrower saw them (bot.handoff.transcript)."""
    return transcript(events, borrower_view=True)


def merge_history(
    tracker_items: List[Dict[Text, Any]], ticket_items: List[Dict[Text, Any]],
    limit: int = HISTORY_LIMIT,
) -> List[Dict[Text, Any]]:
    """One time-ordered list; ticket messages that the tracker already has (the borrower's
    words, a bot sentence logged in both) count once. Buttons only on a final bot message:
    older quick replies are no longer answers to anything."""
    merged = list(tracker_items)
    for item in ticket_items:
        if item["sender"] not in ("borrower", "bot", "agent"):
            continue  # "system" notes are for the agent's transcript
        if item["sender"] != "agent" and any(
            m["sender"] == item["sender"] and m["text"] == item["text"]
            and abs(m["ts"] - item["ts"]) <= _DEDUPE_SECONDS
            for m in tracker_items
        ):
            continue
        merged.append(item)
    merged.sort(key=lambda m: m["ts"])
    merged = merged[-limit:]
    out = []
    for i, m in enumerate(merged):
        item = {"sender": m["sender"], "text": m["text"], "at": _iso(m["ts"])}
        if m.get("agent_name"):
            item["agent_name"] = m["agent_name"]
        if m.get("buttons") and i == len(merged) - 1:
            item["buttons"] = m["buttons"]
        out.append(item)
    return out


async def load_history(app: Any, conversation_id: str) -> List[Dict[Text, Any]]:
    tracker_items: List[Dict[Text, Any]] = []
    agent = getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None
    store = getattr(agent, "tracker_store", None)
    if store is not None:
        refuse_blank_trackers(agent)  # a store that is down is "unavailable", not empty
        # All sessions: a borrower coming back the next day still sees what was agreed.
        retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
        tracker = await retrieve(conversation_id)
        if tracker is not None:
            tracker_items = _tracker_messages(tracker.events)
    loop = asyncio.get_running_loop()
    ticket_items = await loop.run_in_executor(None, borrower_side.ticket_messages_for,
                                              conversation_id)
    return merge_history(tracker_items, ticket_items)


# ---- the channel -----------------------------------------------------------------------

class BorrowerSocketChannel(SocketIOInput):
    """Socket.IO input channel bound to a verified borrower (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "borrower_socket"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "BorrowerSocketChannel":
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            redis_url=credentials.get("redis_url") or None,
            cors_allowed_origins=credentials.get("cors_allowed_origins"),
            max_message_chars=int(credentials.get("max_message_chars", 2000)),
        )

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        namespace: Optional[Text] = None,
        socketio_path: Text = "/socket.io",
        redis_url: Optional[Text] = None,
        cors_allowed_origins: Any = None,
        max_message_chars: int = 2000,
    ) -> None:
        super().__init__(user_message_evt, bot_message_evt, namespace,
                         socketio_path=socketio_path)
        self.redis_url = redis_url
        self.cors_allowed_origins = cors_allowed_origins
        self.max_message_chars = max_message_chars
        self._app: Any = None
        self._expiry_tasks: Dict[str, asyncio.Task] = {}

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return None
        return BorrowerSocketOutput(self.sio, self.bot_message_evt)

    def _make_server(self) -> AsyncServer:
        kwargs: Dict[str, Any] = {"async_mode": "sanic",
                                  "cors_allowed_origins": self.cors_allowed_origins}
        if self.redis_url:
            import socketio

            kwargs["client_manager"] = socketio.AsyncRedisManager(self.redis_url)
        return AsyncServer(**kwargs)

    async def _emit_handoff_state(self, sio: AsyncServer, conversation_id: str, to: str,
                                  deadline: Optional[float] = None) -> bool:
        """Emits the handoff state if a ticket is open; True when it did."""
        if deadline is None:
            loop = asyncio.get_running_loop()
            state = await loop.run_in_executor(None, borrower_side.handoff_state_for,
                                               conversation_id)
        else:
            state = await before_deadline(deadline, borrower_side.handoff_state_for,
                                          conversation_id)
        if state is not None:
            await sio.emit("handoff", state, room=to, namespace=self.namespace)
        return state is not None

    async def _after_turn(self, sio: AsyncServer, conversation_id: str, text: str,
                          outcome: TurnOutcome, said: int, deadline: float) -> None:
        """The handoff state (a ticket opened during this turn, or the place in the queue
        shows at once), and the trouble sentence when the turn failed, an action call
        failed, or nothing was said and no person is handling the conversation."""
        paused_for_person = await self._emit_handoff_state(sio, conversation_id,
                                                           conversation_id, deadline)
        if outcome.error is not None:
            reply = trouble_reply(text, kept=False)
        elif outcome.failed_calls or (said == 0 and not paused_for_person):
            agent = getattr(getattr(self._app, "ctx", None), "agent", None)
            person = await handoff_can_work(agent, min(PROBE_SECONDS, seconds_left(deadline)))
            reply = trouble_reply(text, kept=True, person_button=person)
        else:
            return
        output = BorrowerSocketOutput(sio, self.bot_message_evt)
        reply_text, buttons = reply
        if buttons:
            await output.send_text_with_buttons(conversation_id, reply_text, buttons)
        else:
            await output.send_text_message(conversation_id, reply_text)

    async def _after_connect(self, sio: AsyncServer, sid: str, conversation_id: str,
                             app: Any) -> None:
        """History and handoff state, once the client has its CONNECT packet (the connect
        handler runs before it is sent, so emitting from there would be lost)."""
        namespace = self.namespace or "/"
        for _ in range(200):
            if sio.manager.is_connected(sid, namespace):
                break
            await asyncio.sleep(0.01)
        else:
            return
        try:
            messages = await load_history(app, conversation_id)
            await sio.emit("history", {"messages": messages}, to=sid, namespace=self.namespace)
            await self._emit_handoff_state(sio, conversation_id, sid)
        except Exception:
            logger.exception("could not send the history of %s", conversation_id)
            await sio.emit("history", {"messages": [], "error": "unavailable"}, to=sid,
                           namespace=self.namespace)

    async def _close_at_expiry(self, sio: AsyncServer, sid: str, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await sio.emit("auth_error", {"reason": "expired"}, to=sid, namespace=self.namespace)
        await sio.disconnect(sid, namespace=self.namespace)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = self._make_server()
        self.sio = sio
        hub.register(sio)
        namespace = self.namespace
        require_safe_startup("rasa")  # production refuses development secrets and the demo
        bp = SocketBlueprint(sio, self.socketio_path, "borrower_socket_webhook", __name__)

        @bp.listener("before_server_start")
        async def capture_app(app, _loop) -> None:
            self._app = app  # for the tracker store (app.ctx.agent) outside HTTP requests

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            token = auth.get("token") if isinstance(auth, dict) else None
            try:
                borrower_id = verify_token(token)
            except TokenError as exc:
                logger.info("socket refused: %s", exc.reason)
                raise ConnectionRefusedError("auth_error", {"reason": exc.reason}) from None
            except TokenConfigError:
                logger.exception("borrower tokens are not configured")
                raise ConnectionRefusedError("auth_error", {"reason": "server_error"}) from None
            conversation_id = conversation_id_for(borrower_id)
            await sio.save_session(sid, {"token": token, "conversation_id": conversation_id},
                                   namespace=namespace)
            await sio.enter_room(sid, conversation_id, namespace=namespace)
            app = self._app
            if app is None and environ.get("sanic.request") is not None:
                app = environ["sanic.request"].app
            sio.start_background_task(self._after_connect, sio, sid, conversation_id, app)
            expires_at = _token_expiry(token)
            if expires_at is not None:
                self._expiry_tasks[sid] = sio.start_background_task(
                    self._close_at_expiry, sio, sid, expires_at)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, *_: Any) -> None:
            task = self._expiry_tasks.pop(sid, None)
            if task is not None and task is not asyncio.current_task():
                task.cancel()

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, _data: Any = None) -> None:
            # Kept for clients of Rasa's protocol; the session id they send is ignored.
            session = await sio.get_session(sid, namespace=namespace)
            await sio.emit("session_confirm", session["conversation_id"], to=sid,
                           namespace=namespace)

        @bp.listener("after_server_start")
        async def remember_app(app, _loop) -> None:  # the agent holds the tracker store
            bp.ctx.app = app

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> Dict[str, Any]:
            session = await sio.get_session(sid, namespace=namespace)
            token = session.get("token")
            try:
                verify_token(token)
            except (TokenError, TokenConfigError) as exc:
                reason = getattr(exc, "reason", "server_error")
                await sio.emit("auth_error", {"reason": reason}, to=sid, namespace=namespace)
                await sio.disconnect(sid, namespace=namespace)
                return {"ok": False, "error": "auth_error", "reason": reason}

            text = data.get("message") if isinstance(data, dict) else data
            if not isinstance(text, str):
                return {"ok": False, "error": "bad_message"}
            if len(text) > self.max_message_chars:
                return {"ok": False, "error": "too_long", "max": self.max_message_chars}
            conversation_id = session["conversation_id"]
            deadline = deadline_in()  # the borrower hears from us within TURN_REPLY_SECONDS
            help_lines = await before_deadline(deadline, borrower_side.keep_for_agent,
                                               conversation_id, text.strip())
            if help_lines:
                await sio.emit(self.bot_message_evt, {"text": help_lines, "sender": "bot"},
                               room=conversation_id)
            # Client metadata is not trusted: only a proof of the verified borrower goes to
            # the actions, and a slash payload only when it is a button just offered.
            metadata, _ = identity_metadata(token)
            app = getattr(bp.ctx, "app", None)
            if app is not None:
                refuse_blank_trackers(app.ctx.agent)
                text = await checked_text(app.ctx.agent, conversation_id, text)
            elif text.startswith("/"):
                text = "／" + text[1:]
            output = BorrowerSocketOutput(sio, self.bot_message_evt)
            message = UserMessage(text, output, conversation_id,
                                  input_channel=self.name(), metadata=metadata)
            said_before = 1 if help_lines else 0

            async def say_slow(reply_text: str, buttons: List[Dict[str, Any]]) -> None:
                # Not through `output`: the slow answer is not the turn's own.
                slow = BorrowerSocketOutput(sio, self.bot_message_evt)
                if buttons:
                    await slow.send_text_with_buttons(conversation_id, reply_text, buttons)
                else:
                    await slow.send_text_message(conversation_id, reply_text)

            async def late(outcome: TurnOutcome) -> None:  # a slow turn ended after all
                await self._after_turn(sio, conversation_id, text, outcome,
                                       said_before + output.sent, deadline_in())

            outcome = await run_turn(on_new_message(message), text, say_slow, deadline, late)
            if not outcome.in_time:
                await self._emit_handoff_state(sio, conversation_id, conversation_id)
                return ACK_OK
            await self._after_turn(sio, conversation_id, text, outcome,
                                   said_before + output.sent, deadline)
            if outcome.error is not None:
                return {"ok": False, "error": "server_error"}
            return ACK_OK

        return bp
