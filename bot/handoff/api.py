"""Agent JSON API (/agent/api), mounted by the WebPages channel inside the Rasa server.

Auth: `Authorization: Bearer <agent token>` (bot.handoff.agents). Every error body is
{"error": code, "message": Chinese text}. Database calls are synchronous SQLAlchemy, so they
run in the default thread pool to keep Rasa's event loop free.
Documented in docs/agent-api.openapi.yaml.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, Union

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as sanic_json

from bot.content import response_text
from bot.handoff.transcript import DEFAULT_AGENT_NAME
from bot.identity import TokenError
from bot.storage.db import session_scope

from . import agents as agent_accounts
from . import hours, hub
from .queue import HandoffQueue, NotTicketHolder, Ticket, TicketNotFound
from .sql_queue import SqlHandoffQueue
from .throttle import SignInThrottle, client_address
from .transcript import iso_time
from .transcript import transcript as tracker_messages

logger = logging.getLogger(__name__)

API_PREFIX = "/agent/api"
MAX_TEXT_LENGTH = 2000
RESOLVED_RESPONSE = "utter_handoff_resolved"
RESOLVED_FALLBACK_TEXT = response_text("utter_handoff_resolved")  # wording lives in domain.yml
OUTPUT_CHANNEL = "socketio"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

MESSAGES = {
    "bad_credentials": "用户名或密码不正确。",
    "unauthorized": "请先登录客服账号。",
    "token_expired": "登录已过期，请重新登录。",
    "bad_request": "请求内容有误。",
    "not_found": "找不到这张工单。",
    "not_your_ticket": "这张工单不在您名下，只有接单的客服可以操作。",
    "already_claimed": "这张工单已被其他客服接走。",
    "already_resolved": "这张工单已经结束。",
    "internal": "服务器出错了，请稍后再试。",
    "too_many_attempts": "登录失败次数过多，请稍后再试。",
}

def dumps_json(data: Any, **kwargs: Any) -> str:
    """JSON with Chinese kept readable (the agent and review APIs)."""
    return json.dumps(data, ensure_ascii=False, **kwargs)


def ok(data: Dict[str, Any], status: int = 200) -> HTTPResponse:
    return sanic_json(data, status=status, dumps=dumps_json)


def error(status: int, code: str, message: Optional[str] = None) -> HTTPResponse:
    return sanic_json({"error": code, "message": message or MESSAGES[code]}, status=status,
                      dumps=dumps_json)


async def run_blocking(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Database work off the event loop, in the default pool."""
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(fn, *args, **kwargs)
    )


# ---------------------------------------------------- staff APIs (agents and editors)
# The agent API and the review API (bot/review/api.py) sign staff in and check their
# tokens the same way; each passes its own `error` (its headers and messages).

Handler = Callable[..., Awaitable[HTTPResponse]]
ErrorReply = Callable[..., HTTPResponse]


def json_errors(api: str, error_reply: ErrorReply = error) -> Callable[[Handler], Handler]:
    """Unexpected errors become a JSON 500 instead of Sanic's HTML page."""
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            try:
                return await handler(request, *args, **kwargs)
            except Exception:  # noqa: BLE001
                logger.exception("%s API %s %s failed", api, request.method, request.path)
                return error_reply(500, "internal")
        return wrapper
    return decorate


def bearer_account(verify: Callable[[str], str], load: Callable[[str], Optional[Dict[str, Any]]],
                   ctx_attr: str, guarded: Callable[[Handler], Handler],
                   error_reply: ErrorReply = error) -> Callable[[Handler], Handler]:
    """The request needs `Authorization: Bearer <token>` that `verify` accepts, for an
    account `load` still finds (active, of the right role); it goes on request.ctx."""
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            header = request.headers.get("authorization") or ""
            if not header.lower().startswith("bearer "):
                return error_reply(401, "unauthorized")
            try:
                account_id = verify(header)
            except TokenError as exc:
                return error_reply(401, "token_expired" if exc.reason == "expired" else "unauthorized")
            account = await run_blocking(load, account_id)
            if account is None:  # deleted, deactivated or of another role since the token
                return error_reply(401, "unauthorized")
            setattr(request.ctx, ctx_attr, account)
            return await handler(request, *args, **kwargs)
        return guarded(wrapper)
    return decorate


def lazy_throttle(given: Optional[SignInThrottle]) -> Callable[[], SignInThrottle]:
    """`given` (tests), else one built on first sign-in from the `sign_in:` settings."""
    built: Dict[str, SignInThrottle] = {}

    def throttle() -> SignInThrottle:
        if "gate" not in built:
            built["gate"] = given if given is not None else SignInThrottle(
                hours.load_settings().sign_in)
        return built["gate"]
    return throttle


async def throttled_sign_in(request: Request, body: Optional[Dict[str, Any]],
                            gate: SignInThrottle, role: str,
                            check: Callable[[str, str], Optional[Dict[str, Any]]],
                            error_reply: ErrorReply = error) -> Union[Dict[str, Any], HTTPResponse]:
    """The account whose user name and password are in `body`, or the refusal to send: 400
    without both, 429 while locked out (before any password hashing), 401 when wrong."""
    username, password = (body or {}).get("username"), (body or {}).get("password")
    if not isinstance(username, str) or not isinstance(password, str) \
            or not username.strip() or not password:
        return error_reply(400, "bad_request", "请填写用户名和密码。")
    address = client_address(request, gate.settings.trusted_proxies)
    wait = gate.acquire(username, address)
    if wait is not None:
        refusal = error_reply(429, "too_many_attempts", f"登录失败次数过多，请 {wait} 秒后再试。")
        refusal.headers["Retry-After"] = str(wait)
        return refusal

    def settle(done: "asyncio.Future[Optional[Dict[str, Any]]]") -> None:
        # Counted when the check finishes, even if the client hung up meanwhile (the
        # hash ran either way).
        if done.cancelled() or done.exception() is not None:
            gate.abandoned(username, address)
        elif done.result() is None:
            gate.failed(username, address)
        else:
            gate.succeeded(username, address)

    checked = asyncio.get_running_loop().run_in_executor(
        agent_accounts.password_executor(role), functools.partial(check, username, password))
    checked.add_done_callback(settle)  # runs before this handler resumes
    account = await asyncio.shield(checked)
    if account is None:
        return error_reply(401, "bad_credentials")
    return account


def _body(request: Request) -> Optional[Dict[str, Any]]:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own InvalidUsage for bad JSON
        return None
    return body if isinstance(body, dict) else None


def _text_field(body: Optional[Dict[str, Any]], name: str) -> Optional[str]:
    value = (body or {}).get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_LENGTH:
        return None
    return value.strip()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def ticket_json(ticket: Ticket, now: Optional[datetime] = None) -> Dict[str, Any]:
    """A queue row: everything except the summary, plus the waiting time and headline."""
    data = ticket.as_json()
    summary = data.pop("summary") or {}
    data["waiting_seconds"] = ticket.waiting_seconds(now)
    data["summary_headline"] = summary.get("headline") or ""
    return data


def _ticket_id(raw: str) -> Optional[int]:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


# -------------------------------------------------------------- Rasa tracker

def _rasa_agent(request: Request):
    return getattr(request.app.ctx, "agent", None)


async def _load_tracker(agent, conversation_id: str):
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None and getattr(agent, "processor", None) is not None:
        tracker = await agent.processor.get_tracker(conversation_id)
    return tracker


def _conversation_lock(agent, conversation_id: str):
    # The same lock Rasa takes while handling a message, so our append cannot interleave
    # with a message being processed for this conversation.
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None:
        return contextlib.nullcontext()
    return lock_store.lock(conversation_id)


def tracker_transcript(events: List[Dict[str, Any]], handed_off_at: Optional[datetime]) -> List[Dict[str, Any]]:
    """User/bot messages before the handoff. The bot's reply to the turn that caused it is
    kept (it is logged just after the ticket opened); from the next borrower message on,
    the TicketMessages are the record."""
    cutoff = handed_off_at.timestamp() if handed_off_at else None
    return [{"sender": m["sender"], "text": m["text"], "at": iso_time(m["ts"])}
            for m in tracker_messages(events, until=cutoff)]


async def _resume_conversation(request: Request, conversation_id: str) -> Tuple[str, Dict[str, Any], bool]:
    """Un-pause the Rasa conversation and log the bot's goodbye-from-the-agent line.
    Returns (text, extra data such as buttons, whether the tracker was updated)."""
    agent = _rasa_agent(request)
    if agent is None:
        return RESOLVED_FALLBACK_TEXT, {}, False
    from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, SlotSet

    try:
        async with _conversation_lock(agent, conversation_id):
            tracker = await _load_tracker(agent, conversation_id)
            if tracker is None:
                return RESOLVED_FALLBACK_TEXT, {}, False
            message = None
            if getattr(agent, "nlg", None) is not None:
                message = await agent.nlg.generate(RESOLVED_RESPONSE, tracker, OUTPUT_CHANNEL)
            text = (message or {}).get("text") or RESOLVED_FALLBACK_TEXT
            extra = {k: v for k, v in (message or {}).items()
                     if k in ("buttons", "quick_replies") and v}
            tracker.update(ConversationResumed())
            tracker.update(BotUttered(text, data=extra or None,
                                      metadata={"utter_action": RESOLVED_RESPONSE}))
            # The bot was paused mid-turn: close that turn so the next message starts a fresh
            # one, and forget any yes/no question asked before the handoff.
            tracker.update(SlotSet("offer", None))
            tracker.update(ActionExecuted("action_listen"))
            await agent.tracker_store.save(tracker)
            return text, extra, True
    except Exception:  # noqa: BLE001 - the ticket is resolved either way; tell the borrower
        logger.exception("could not resume conversation %s", conversation_id)
        return RESOLVED_FALLBACK_TEXT, {}, False


async def _pause_conversation(request: Request, conversation_id: str) -> None:
    """A claimed ticket means a person answers now: pause the bot if it still answers (a
    dispute or complaint ticket waits while the bot carries on)."""
    agent = _rasa_agent(request)
    if agent is None:
        return
    from rasa.shared.core.events import ConversationPaused

    try:
        async with _conversation_lock(agent, conversation_id):
            tracker = await _load_tracker(agent, conversation_id)
            if tracker is not None and not tracker.is_paused():
                tracker.update(ConversationPaused())
                await agent.tracker_store.save(tracker)
    except Exception:  # noqa: BLE001 - the claim stands; the agent can still answer
        logger.exception("could not pause conversation %s", conversation_id)


# ------------------------------------------------------------------ blueprint

def agent_api_blueprint(queue_factory: Callable[..., HandoffQueue] = SqlHandoffQueue,
                        db_url: Optional[str] = None,
                        sign_in_throttle: Optional[SignInThrottle] = None) -> Blueprint:
    """The /agent/api routes. `queue_factory()` builds the queue on first use (so
    DATABASE_URL is read when the server runs); `db_url` is for the agent accounts and,
    with the default factory, the queue too (None = DATABASE_URL). `sign_in_throttle`
    (tests) replaces the one built on first sign-in from the `sign_in:` settings."""
    bp = Blueprint("agent_api", url_prefix=API_PREFIX)
    state: Dict[str, Any] = {}

    def queue() -> HandoffQueue:
        if "queue" not in state:
            if queue_factory is SqlHandoffQueue:
                state["queue"] = SqlHandoffQueue(db_url)
            else:
                state["queue"] = queue_factory()
        return state["queue"]

    def load_agent(agent_id: str) -> Optional[Dict[str, Any]]:
        with session_scope(db_url) as session:
            agent = agent_accounts.get_agent(session, agent_id)
            # An editor's account never works the agent console, whatever token it holds.
            if agent is None or not agent.active or agent_accounts.role_of(agent) != "agent":
                return None
            return {"id": agent.id, "display_name": agent.display_name}

    def login(username: str, password: str) -> Optional[Dict[str, Any]]:
        with session_scope(db_url) as session:
            agent = agent_accounts.authenticate(session, username, password)
            if agent is None:
                return None
            return {"id": agent.id, "display_name": agent.display_name}

    throttle = lazy_throttle(sign_in_throttle)
    guarded = json_errors("agent")
    authorised = bearer_account(agent_accounts.verify_agent_token, load_agent, "desk_agent",
                                guarded)

    async def _ticket_or_404(raw_id: str):
        ticket_id = _ticket_id(raw_id)
        ticket = await run_blocking(queue().get, ticket_id) if ticket_id is not None else None
        return ticket

    @bp.post("/login")
    @guarded
    async def post_login(request: Request) -> HTTPResponse:
        agent = await throttled_sign_in(request, _body(request), throttle(), "agent", login)
        if isinstance(agent, HTTPResponse):
            return agent
        token = agent_accounts.issue_agent_token(agent["id"])
        return ok({"token": token, "agent": agent,
                   "expires_in": agent_accounts.DEFAULT_TTL_SECONDS})

    @bp.get("/me")
    @authorised
    async def get_me(request: Request) -> HTTPResponse:
        return ok({"agent": request.ctx.desk_agent})

    @bp.get("/tickets")
    @authorised
    async def get_tickets(request: Request) -> HTTPResponse:
        now = _now()
        tickets = await run_blocking(queue().list_queue, True)
        opening = hours.next_opening(now)
        return ok({
            "tickets": [ticket_json(t, now) for t in tickets],
            "open": hours.is_open(now),
            "next_opening": opening.isoformat() if opening else None,
        })

    @bp.get("/tickets/<raw_id>")
    @authorised
    async def get_ticket(request: Request, raw_id: str) -> HTTPResponse:
        ticket = await _ticket_or_404(raw_id)
        if ticket is None:
            return error(404, "not_found")
        transcript: List[Dict[str, Any]] = []
        agent = _rasa_agent(request)
        if agent is not None:
            try:
                tracker = await agent.tracker_store.retrieve(ticket.conversation_id)
            except Exception:  # noqa: BLE001 - show the ticket even if the tracker is down
                logger.exception("tracker for %s not readable", ticket.conversation_id)
                tracker = None
            if tracker is not None:
                events = [e.as_dict() for e in tracker.events]
                transcript = tracker_transcript(events, ticket.created_at)
        messages = await run_blocking(queue().messages, ticket.id)
        for m in messages:
            item = {"sender": m.sender, "text": m.text, "at": m.created_at.isoformat()}
            if m.sender == "agent":
                item["agent_id"] = m.agent_id
            transcript.append(item)
        # Stable sort: entries without a time (rare) keep their place at the start.
        transcript.sort(key=lambda x: datetime.fromisoformat(x["at"]) if x["at"] else _EPOCH)
        return ok({"ticket": ticket_json(ticket), "summary": ticket.summary or {},
                   "transcript": transcript})

    @bp.post("/tickets/<raw_id>/claim")
    @authorised
    async def post_claim(request: Request, raw_id: str) -> HTTPResponse:
        ticket = await _ticket_or_404(raw_id)
        if ticket is None:
            return error(404, "not_found")
        me = request.ctx.desk_agent
        claimed = await run_blocking(queue().claim, ticket.id, me["id"])
        if claimed is None:
            current = await run_blocking(queue().get, ticket.id)
            if current is not None and current.status == "resolved":
                return error(409, "already_resolved")
            return error(409, "already_claimed")
        if ticket.status == "waiting":  # not a repeated click by the same agent
            await _pause_conversation(request, claimed.conversation_id)
            name = me["display_name"] or DEFAULT_AGENT_NAME
            await run_blocking(queue().add_message, ticket.id, "system", f"{name} 已接入对话")
            await hub.emit_to_conversation(
                claimed.conversation_id, "handoff", {"state": "agent_joined", "agent_name": name}
            )
        return ok({"ticket": ticket_json(claimed)})

    @bp.post("/tickets/<raw_id>/messages")
    @authorised
    async def post_message(request: Request, raw_id: str) -> HTTPResponse:
        text = _text_field(_body(request), "text")
        if text is None:
            return error(400, "bad_request", f"请填写回复内容（不超过 {MAX_TEXT_LENGTH} 字）。")
        ticket = await _ticket_or_404(raw_id)
        if ticket is None:
            return error(404, "not_found")
        me = request.ctx.desk_agent
        if ticket.agent_id != me["id"] or ticket.status == "waiting":
            return error(403, "not_your_ticket")
        if ticket.status == "resolved":
            return error(409, "already_resolved")
        message = await run_blocking(queue().add_message, ticket.id, "agent", text, me["id"])
        delivered = await hub.emit_to_conversation(
            ticket.conversation_id, "bot_uttered",
            {"text": text, "sender": "agent", "agent_name": me["display_name"] or DEFAULT_AGENT_NAME},
        )
        return ok({"message": message.as_json(), "delivered": delivered}, status=201)

    @bp.post("/tickets/<raw_id>/resolve")
    @authorised
    async def post_resolve(request: Request, raw_id: str) -> HTTPResponse:
        outcome = _text_field(_body(request), "outcome")
        if outcome is None:
            return error(400, "bad_request", f"请填写处理结果（不超过 {MAX_TEXT_LENGTH} 字）。")
        ticket = await _ticket_or_404(raw_id)
        if ticket is None:
            return error(404, "not_found")
        me = request.ctx.desk_agent
        try:
            resolved = await run_blocking(queue().resolve, ticket.id, me["id"], outcome)
        except NotTicketHolder:
            return error(403, "not_your_ticket")
        except TicketNotFound:
            return error(404, "not_found")
        if ticket.status == "resolved":  # a retried request: the borrower was told already
            return ok({"ticket": ticket_json(resolved), "resumed": False, "delivered": False})
        text, extra, resumed = await _resume_conversation(request, ticket.conversation_id)
        await run_blocking(queue().add_message, ticket.id, "bot", text)
        delivered = await hub.emit_to_conversation(
            ticket.conversation_id, "bot_uttered", {"text": text, "sender": "bot", **extra}
        )
        await hub.emit_to_conversation(ticket.conversation_id, "handoff", {"state": "resolved"})
        return ok({"ticket": ticket_json(resolved), "resumed": resumed, "delivered": delivered})

    return bp
