"""The one converter from Rasa tracker events to a transcript (who said what, when).

Accepts Event objects (tracker.events) and their dict form (tracker.current_state()
["events"], the REST API); the borrower's history, the agent's view of a ticket and the case
summary all read it and only shape the items.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional

# The name shown for an agent sentence that carries no name of its own.
DEFAULT_AGENT_NAME = "人工客服"


def iso_time(timestamp: Any) -> Optional[str]:
    """An epoch time as ISO 8601 in UTC; None when there is none."""
    if not isinstance(timestamp, (int, float)):
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat()


def _field(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def _kind(event: Any) -> Optional[str]:
    """"user", "bot" or another event name (Event objects carry it as type_name)."""
    return _field(event, "event") if isinstance(event, Mapping) else getattr(event, "type_name", None)


def clean_buttons(items: Optional[Iterable[Dict[str, Any]]]) -> List[Dict[str, str]]:
    """Buttons as {title, payload} strings; items without a title are dropped."""
    out = []
    for b in items or []:
        if isinstance(b, dict) and b.get("title") is not None:
            out.append({"title": str(b["title"]), "payload": str(b.get("payload", b["title"]))})
    return out


def transcript(events: Iterable[Any], *, until: Optional[float] = None,
               borrower_view: bool = False) -> List[Dict[str, Any]]:
    """The user and bot messages as {"sender": "borrower"|"bot"|"agent", "text", "ts"}.

    until: stop at the first borrower message at or after this epoch time (the handoff: from
    then on the ticket messages are the record).
    borrower_view: what the borrower saw: server-triggered intents ("EXTERNAL: ...") are left
    out, a quick-reply payload shows as the title of the button clicked, an agent sentence
    relayed through the tracker is marked with the agent's name, and a bot message keeps its
    buttons. Otherwise blank messages are left out and the items carry no more than
    sender, text and ts.
    """
    out: List[Dict[str, Any]] = []
    last_buttons: List[Dict[str, str]] = []
    for event in events:
        kind = _kind(event)
        if kind not in ("user", "bot"):
            continue
        ts = _field(event, "timestamp")
        if (kind == "user" and until is not None and isinstance(ts, (int, float))
                and ts >= until):
            break
        text = _field(event, "text") or ""
        if not borrower_view:
            if text.strip():
                out.append({"sender": "borrower" if kind == "user" else "bot", "text": text,
                            "ts": ts})
            continue
        if kind == "user":
            if not text or text.startswith("EXTERNAL: "):  # intents triggered by the server
                continue
            # A quick reply sends its payload; show what the borrower clicked.
            if text.startswith("/"):
                title = next((b["title"] for b in last_buttons if b["payload"] == text), None)
                text = title or text
            out.append({"sender": "borrower", "text": text, "ts": ts})
            last_buttons = []
            continue
        data = _field(event, "data") or {}
        buttons = clean_buttons(data.get("buttons") or data.get("quick_replies"))
        if not text:
            continue
        meta = _field(event, "metadata") or {}
        item: Dict[str, Any] = {"sender": "bot", "text": text, "ts": ts}
        if meta.get("sender") == "agent" or meta.get("agent_name"):
            item.update(sender="agent", agent_name=meta.get("agent_name") or DEFAULT_AGENT_NAME)
        if buttons:
            item["buttons"] = buttons
        last_buttons = buttons
        out.append(item)
    return out
