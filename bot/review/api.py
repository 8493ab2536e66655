"""The editors' review page (/review/) and its JSON API (/review/api).

Editors are accounts with role "editor" (bot.handoff.agents): their own sign-in, their own
tokens (aud "editor"). An agent token is refused here, an editor token by the agent API.

    POST /review/api/login                 {"username", "password"} -> {"token", "editor"}
    GET  /review/api/me
    GET  /review/api/intents               the intents an editor may pick (domain.yml)
    GET  /review/api/items?status=new      similar messages grouped, masked texts
    POST /review/api/items/<id>/label      {"intent", "ids"?: [more item ids, e.g. the group]}
    POST /review/api/items/<id>/new-intent {"name"?, "ids"?}
    POST /review/api/items/<id>/dismiss    {"ids"?}
    GET  /review/api/export                labelled items as NLU YAML (a download)
    GET  /review/api/figures?days=14       the team's figures (see `figures`)

Errors are {"error": code, "message": Chinese text}, as in the agent API. Served inside the
Rasa server by the ReviewPages channel (credentials.yml: `bot.review.api.ReviewPages:`).
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as sanic_json
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.web import SECURITY_HEADERS, WEB_ROOT, RootBlueprint, add_page
from bot.handoff import agents as accounts
from bot.handoff.api import (
    bearer_account,
    dumps_json,
    json_errors,
    lazy_throttle,
    run_blocking,
    throttled_sign_in,
)
from bot.handoff.throttle import SignInThrottle
from bot.review import store
from bot.storage.db import session_scope
from bot.storage.models import (
    HANDOFF_CATEGORIES,
    REVIEW_STATUSES,
    CaseRecord,
    ConversationOwner,
    PaymentPromise,
    PlanApplication,
    Reminder,
    ReviewItem,
    Ticket,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/review/api"
ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILE = ROOT / "domain.yml"
# Set only by the safety override in the NLU pipeline; no training example may carry it.
NOT_LABELLABLE = frozenset({"possible_crisis"})
# A message the assistant read as a crisis is labelled, never dismissed (content guide §7).
NOT_DISMISSABLE = frozenset({"crisis", "possible_crisis"})
MAX_IDS = 500
MAX_ITEMS = 1000
DEFAULT_ITEMS = 300
EXAMPLES_PER_GROUP = 5
DEFAULT_DAYS, MAX_DAYS = 14, 90
TOP_TOPICS = 5
FALLBACK_REASONS = ("fallback", "handoff_after_fallback")

MESSAGES = {
    "bad_credentials": "用户名或密码不正确。",
    "unauthorized": "请先用编辑账号登录。",
    "token_expired": "登录已过期，请重新登录。",
    "bad_request": "请求内容有误。",
    "not_found": "找不到这条消息，可能已被其他编辑处理。",
    "unknown_intent": "这个意图不在意图列表（domain.yml）里。",
    "not_dismissable": "助手当时判断为危机的消息不能忽略，请为它选一个正确的意图。",
    "internal": "服务器出错了，请稍后再试。",
    "too_many_attempts": "登录失败次数过多，请稍后再试。",
}

_API_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


def ok(data: Dict[str, Any], status: int = 200) -> HTTPResponse:
    return sanic_json(data, status=status, dumps=dumps_json, headers=dict(_API_HEADERS))


def error(status: int, code: str, message: Optional[str] = None) -> HTTPResponse:
    return sanic_json({"error": code, "message": message or MESSAGES[code]}, status=status,
                      dumps=dumps_json, headers=dict(_API_HEADERS))


def _body(request: Request) -> Optional[Dict[str, Any]]:
    if not request.body:
        return {}
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own InvalidUsage for bad JSON
        return None
    return body if isinstance(body, dict) else None


def _positive_int(raw: Any) -> Optional[int]:
    if isinstance(raw, bool):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


# ------------------------------------------------------------------------------ intents

def domain_intents(domain_file: Path = DOMAIN_FILE) -> List[str]:
    """The domain's intents an editor may pick, in domain.yml's order (read on each call,
    so an intent added by an editor shows up without a restart)."""
    with Path(domain_file).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out: List[str] = []
    for entry in data.get("intents") or []:
        name = next(iter(entry), None) if isinstance(entry, dict) else entry
        if isinstance(name, str) and name not in NOT_LABELLABLE and name not in out:
            out.append(name)
    return out


# -------------------------------------------------------------------------------- items

def _item_json(item: ReviewItem) -> Dict[str, Any]:
    return {
        "id": item.id,
        "text": item.text,  # masked when it was recorded
        "reason": item.reason,
        "intent": item.intent,
        "confidence": None if item.confidence is None else round(float(item.confidence), 4),
        "status": item.status,
        "label": item.label,
        "created_at": _aware(item.created_at).isoformat(),
    }


def group_json(group: store.ReviewGroup) -> Dict[str, Any]:
    """One group: its size, a few distinct example texts, and what the assistant thought
    (its most frequent guess, that guess's mean confidence, and why the messages were kept)."""
    items = group.items
    examples: List[str] = []
    for item in items:
        if item.text not in examples:
            examples.append(item.text)
        if len(examples) >= EXAMPLES_PER_GROUP:
            break
    guesses = Counter(i.intent for i in items if i.intent)
    top = guesses.most_common(1)[0][0] if guesses else None
    confidences = [float(i.confidence) for i in items
                   if i.intent == top and i.confidence is not None]
    reasons = Counter(i.reason for i in items)
    return {
        "id": items[0].id,
        "ids": [i.id for i in items],
        "count": group.count,
        "text": group.text,
        "examples": examples,
        "thought": {
            "intent": top,
            "confidence": round(sum(confidences) / len(confidences), 4) if confidences else None,
            "intents": [{"intent": k, "count": v} for k, v in guesses.most_common()],
            "reasons": [{"reason": k, "count": v} for k, v in reasons.most_common()],
        },
        "dismissable": not any(i.intent in NOT_DISMISSABLE for i in items),
        "items": [_item_json(i) for i in items],
    }


# ------------------------------------------------------------------------------ figures

def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(os.environ.get("BOT_TIMEZONE") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def figures(session: Session, days: int = DEFAULT_DAYS,
            now: Optional[datetime] = None) -> Dict[str, Any]:
    """The team's figures for the last `days` calendar days (the borrowers' time zone,
    BOT_TIMEZONE, default Asia/Shanghai; today included), from our own tables only: the
    Rasa tracker store is not read. "Today" is the real one (rows are stamped with the real
    time), not BOT_TODAY.

    A *conversation* is a conversation id seen in any of our tables with a timestamp in the
    window: conversation_owners (a signed-in borrower wrote), tickets, review_items,
    plan_applications, payment_promises, case_records. Its day is the earliest of those
    timestamps inside the window. Conversations where nothing was recorded (an anonymous
    chat that only asked questions) are not counted: the tracker store would know them.

    * conversations.per_day: conversations by that day.
    * resolved_without_person: conversations with a plan application or a payment promise
      recorded under their id, or whose borrower (conversation_owners) created or changed a
      reminder that same day, and with no ticket at all (waiting, claimed or resolved);
      share = that count / conversations.
    * handoffs: tickets opened in the window, by category (every category listed).
    * fallback: conversations with a review item kept because of a fallback (reasons
      "fallback" or "handoff_after_fallback") or a ticket of category "fallback";
      rate = that count / conversations. Per conversation, not per message: the message
      count lives in the tracker store.
    * missed_topics: among review items recorded in the window, the editors' labels (items
      labelled or marked as a new intent with a proposed name) and the assistant's guesses
      (predicted intents), most frequent first; `waiting` counts items still to review.
    """
    days = max(1, min(int(days), MAX_DAYS))
    zone = _zone()
    now = _aware(now or datetime.now(timezone.utc))
    last_day = now.astimezone(zone).date()
    first_day = last_day - timedelta(days=days - 1)
    start = datetime.combine(first_day, time.min, tzinfo=zone).astimezone(timezone.utc)

    def local_day(value: datetime) -> date:
        return _aware(value).astimezone(zone).date()

    def in_window(model) -> Iterable[Tuple[str, datetime]]:
        stmt = (select(model.conversation_id, func.min(model.created_at))
                .where(model.created_at >= start, model.conversation_id.isnot(None))
                .group_by(model.conversation_id))
        return session.execute(stmt).all()

    first_seen: Dict[str, datetime] = {}
    for model in (ConversationOwner, Ticket, ReviewItem, PlanApplication, PaymentPromise,
                  CaseRecord):
        for conversation_id, at in in_window(model):
            at = _aware(at)
            if conversation_id not in first_seen or at < first_seen[conversation_id]:
                first_seen[conversation_id] = at
    conversations = set(first_seen)
    per_day = Counter(local_day(at) for at in first_seen.values())
    total = len(conversations)

    def ids(stmt) -> set:
        return {row for row in session.execute(stmt).scalars() if row in conversations}

    # Resolved without a person.
    recorded = ids(select(PlanApplication.conversation_id).where(
        PlanApplication.created_at >= start)) | ids(select(PaymentPromise.conversation_id).where(
            PaymentPromise.created_at >= start))
    reminder_days: Dict[str, set] = {}
    for borrower_id, created, updated in session.execute(
            select(Reminder.borrower_id, Reminder.created_at, Reminder.updated_at).where(
                (Reminder.created_at >= start) | (Reminder.updated_at >= start))):
        reminder_days.setdefault(borrower_id, set()).update(
            {local_day(created), local_day(updated or created)})
    if reminder_days:
        for conversation_id, borrower_id in session.execute(
                select(ConversationOwner.conversation_id, ConversationOwner.borrower_id)
                .where(ConversationOwner.borrower_id.in_(list(reminder_days)))):
            if conversation_id in conversations and \
                    local_day(first_seen[conversation_id]) in reminder_days[borrower_id]:
                recorded.add(conversation_id)
    with_ticket = ids(select(Ticket.conversation_id))  # any ticket, also before the window
    resolved = recorded - with_ticket

    # Handoffs by category.
    by_category = {c: 0 for c in HANDOFF_CATEGORIES}
    for category, count in session.execute(
            select(Ticket.category, func.count()).where(Ticket.created_at >= start)
            .group_by(Ticket.category)):
        by_category[category] = by_category.get(category, 0) + count

    # Fallback rate.
    fell_back = ids(select(ReviewItem.conversation_id).where(
        ReviewItem.created_at >= start, ReviewItem.reason.in_(FALLBACK_REASONS)))
    fell_back |= ids(select(Ticket.conversation_id).where(
        Ticket.created_at >= start, Ticket.category == "fallback"))

    # Most-missed topics.
    labels = Counter(dict(session.execute(
        select(ReviewItem.label, func.count()).where(
            ReviewItem.created_at >= start, ReviewItem.label.isnot(None),
            ReviewItem.status.in_(("labelled", "new_intent")))
        .group_by(ReviewItem.label)).all()))
    guesses = Counter(dict(session.execute(
        select(ReviewItem.intent, func.count()).where(
            ReviewItem.created_at >= start, ReviewItem.intent.isnot(None))
        .group_by(ReviewItem.intent)).all()))
    waiting = session.execute(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.status == "new")).scalar_one()

    def share(part: int) -> Optional[float]:
        return round(part / total, 4) if total else None

    def top(counter: Counter) -> List[Dict[str, Any]]:
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TOPICS]
        return [{"intent": k, "count": v} for k, v in ranked]

    return {
        "window": {"from": first_day.isoformat(), "to": last_day.isoformat(), "days": days,
                   "timezone": str(zone)},
        "conversations": {
            "total": total,
            "per_day": [{"date": (first_day + timedelta(days=i)).isoformat(),
                         "count": per_day.get(first_day + timedelta(days=i), 0)}
                        for i in range(days)],
        },
        "resolved_without_person": {"count": len(resolved), "of": total,
                                    "share": share(len(resolved))},
        "handoffs": {"total": sum(by_category.values()), "by_category": by_category},
        "fallback": {"count": len(fell_back), "of": total, "rate": share(len(fell_back))},
        "missed_topics": {"labels": top(labels), "predicted": top(guesses),
                          "waiting": waiting},
    }


# ---------------------------------------------------------------------------- blueprint

def review_api_blueprint(db_url: Optional[str] = None,
                         sign_in_throttle: Optional[SignInThrottle] = None,
                         domain_file: Optional[Path] = None) -> Blueprint:
    """The /review/api routes. `db_url` None = DATABASE_URL; `sign_in_throttle` (tests)
    replaces the one built from the agents' `sign_in:` settings (bot/handoff/settings.yml),
    counted apart from the agent console's."""
    bp = Blueprint("review_api", url_prefix=API_PREFIX)
    domain_path = Path(domain_file) if domain_file else DOMAIN_FILE

    def editor_json(account) -> Dict[str, Any]:
        return {"id": account.id, "display_name": account.display_name}

    def login(username: str, password: str) -> Optional[Dict[str, Any]]:
        with session_scope(db_url) as session:
            account = accounts.authenticate(session, username, password, role="editor")
            return editor_json(account) if account is not None else None

    def load_editor(editor_id: str) -> Optional[Dict[str, Any]]:
        with session_scope(db_url) as session:
            account = accounts.get_agent(session, editor_id)
            if account is None or not account.active or accounts.role_of(account) != "editor":
                return None
            return editor_json(account)

    throttle = lazy_throttle(sign_in_throttle)  # counted apart from the agent console's
    guarded = json_errors("review", error)
    authorised = bearer_account(accounts.verify_editor_token, load_editor, "editor", guarded,
                                error)

    @bp.post("/login")
    @guarded
    async def post_login(request: Request) -> HTTPResponse:
        editor = await throttled_sign_in(request, _body(request), throttle(), "editor", login,
                                         error)
        if isinstance(editor, HTTPResponse):
            return editor
        return ok({"token": accounts.issue_editor_token(editor["id"]), "editor": editor,
                   "expires_in": accounts.DEFAULT_TTL_SECONDS})

    @bp.get("/me")
    @authorised
    async def get_me(request: Request) -> HTTPResponse:
        return ok({"editor": request.ctx.editor})

    @bp.get("/intents")
    @authorised
    async def get_intents(request: Request) -> HTTPResponse:
        return ok({"intents": await run_blocking(domain_intents, domain_path)})

    @bp.get("/items")
    @authorised
    async def get_items(request: Request) -> HTTPResponse:
        status = request.args.get("status", "new")
        if status == "all":
            status = None
        elif status not in REVIEW_STATUSES:
            return error(400, "bad_request",
                         "status 只能是 " + "、".join(REVIEW_STATUSES) + " 或 all。")
        limit = _positive_int(request.args.get("limit", DEFAULT_ITEMS))
        if limit is None:
            return error(400, "bad_request", "limit 必须是正整数。")

        def load() -> Dict[str, Any]:
            with session_scope(db_url) as session:
                items = store.list_items(session, status=status, limit=min(limit, MAX_ITEMS))
                groups = store.group_similar(items)
                return {"status": status or "all", "total": len(items),
                        "groups": [group_json(g) for g in groups]}

        return ok(await run_blocking(load))

    def _ids(raw_id: str, body: Dict[str, Any]) -> Optional[List[int]]:
        first = _positive_int(raw_id)
        more = body.get("ids", [])
        if first is None or not isinstance(more, list) or len(more) > MAX_IDS:
            return None
        out = [first]
        for raw in more:
            value = _positive_int(raw)
            if value is None:
                return None
            if value not in out:
                out.append(value)
        return out

    async def decide(request: Request, raw_id: str,
                     apply: Callable[[Session, int, str], Any],
                     check: Optional[Callable[[ReviewItem], Optional[HTTPResponse]]] = None
                     ) -> HTTPResponse:
        body = _body(request)
        if body is None:
            return error(400, "bad_request")
        if _positive_int(raw_id) is None:
            return error(404, "not_found")
        ids = _ids(raw_id, body)
        if ids is None:
            return error(400, "bad_request", f"ids 必须是不超过 {MAX_IDS} 个的消息编号列表。")
        editor = request.ctx.editor

        def run() -> Any:
            with session_scope(db_url) as session:
                items = []
                for item_id in ids:
                    try:
                        item = store.get_item(session, item_id)
                    except store.ReviewItemNotFound:
                        return error(404, "not_found")
                    refused = check(item) if check else None
                    if refused is not None:
                        return refused
                    items.append(item)
                for item in items:  # all or nothing: checked first, then decided
                    apply(session, item.id, editor["id"])
                return [_item_json(i) for i in items]

        result = await run_blocking(run)
        if isinstance(result, HTTPResponse):
            return result
        return ok({"items": result})

    @bp.post("/items/<raw_id>/label")
    @authorised
    async def post_label(request: Request, raw_id: str) -> HTTPResponse:
        intent = (_body(request) or {}).get("intent")
        if not isinstance(intent, str) or not intent.strip():
            return error(400, "bad_request", "请选择一个意图。")
        intent = intent.strip()
        if intent not in await run_blocking(domain_intents, domain_path):
            return error(400, "unknown_intent")
        return await decide(request, raw_id,
                            lambda s, i, who: store.label(s, i, intent, who))

    @bp.post("/items/<raw_id>/new-intent")
    @authorised
    async def post_new_intent(request: Request, raw_id: str) -> HTTPResponse:
        name = (_body(request) or {}).get("name")
        if name is not None and not isinstance(name, str):
            return error(400, "bad_request")
        name = (name or "").strip() or None
        if name is not None:
            try:
                store._check_intent(name)
            except ValueError:
                return error(400, "bad_request",
                             "新意图名只能用英文字母、数字和下划线，例如 ask_cancel_card。")
        return await decide(request, raw_id,
                            lambda s, i, who: store.mark_new_intent(s, i, who, name))

    @bp.post("/items/<raw_id>/dismiss")
    @authorised
    async def post_dismiss(request: Request, raw_id: str) -> HTTPResponse:
        def check(item: ReviewItem) -> Optional[HTTPResponse]:
            return error(409, "not_dismissable") if item.intent in NOT_DISMISSABLE else None

        return await decide(request, raw_id, lambda s, i, who: store.dismiss(s, i, who), check)

    @bp.get("/export")
    @authorised
    async def get_export(request: Request) -> HTTPResponse:
        def load() -> str:
            with session_scope(db_url) as session:
                return store.export_yaml(session)

        text = await run_blocking(load)
        stamp = datetime.now(_zone()).strftime("%Y%m%d-%H%M")
        return response.text(text, content_type="application/x-yaml; charset=utf-8", headers={
            **_API_HEADERS,
            "Content-Disposition": f'attachment; filename="review-nlu-{stamp}.yml"',
        })

    @bp.get("/figures")
    @authorised
    async def get_figures(request: Request) -> HTTPResponse:
        days = _positive_int(request.args.get("days", DEFAULT_DAYS))
        if days is None or days > MAX_DAYS:
            return error(400, "bad_request", f"days 必须是 1 到 {MAX_DAYS} 之间的整数。")

        def load() -> Dict[str, Any]:
            with session_scope(db_url) as session:
                return figures(session, days)

        return ok(await run_blocking(load))

    return bp


# ------------------------------------------------------------------------------- channel

class ReviewPages(InputChannel):
    """The review page at /review/ and its API at /review/api, as a Rasa input channel
    (credentials.yml: `bot.review.api.ReviewPages:`); it receives no messages."""

    @classmethod
    def name(cls) -> Text:
        return "review_pages"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ReviewPages":
        return cls(web_root=(credentials or {}).get("web_root"))

    def __init__(self, web_root: Optional[str] = None) -> None:
        self.web_root = Path(web_root) if web_root else WEB_ROOT

    def url_prefix(self) -> Text:
        return ""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = RootBlueprint("review_pages", extras=[review_api_blueprint()],
                            strict_slashes=True)
        add_page(bp, "review", self.web_root / "review")

        return bp
