"""What a channel may trust of an incoming borrower message, and what it passes on.

- Identity: the borrower token is verified here, once. What goes into the message (and so
  into the tracker store) is not that token but a proof for the action server alone
  (audience "actions", two minutes): a tracker read through the HTTP API holds nothing that
  opens an account. A bad token becomes `identity_error`; client metadata is never passed.
- Ownership (REST): a conversation belongs to the first borrower who wrote in it with a
  valid token. Another borrower, a message without a valid token, or a sender in the
  socket channel's namespace ("b:") is refused before anything is written.
- Slash payloads ("/affirm"): Rasa reads them as an intent and skips NLU, our safety
  override included. One is accepted only when it is a button the assistant offered in its
  last message; anything else is read as text (with a full-width "／", which Rasa does not
  take for a command, and which NLU normalises back).
- Our database down: ownership cannot be checked, so the message is not processed
  (`unavailable`); the channel tells the borrower to send it again (docs/channels.md).
"""
from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from sqlalchemy.exc import SQLAlchemyError

from bot.identity import ACTIONS_AUDIENCE, TokenError, issue_token, verify_token
from bot.storage import repository
from bot.storage.db import session_scope

logger = logging.getLogger(__name__)

SOCKET_PREFIX = "b:"
MAX_SENDER_CHARS = 128
PROOF_TTL_SECONDS = 120  # one turn, with room for a slow action


@dataclass(frozen=True)
class Admission:
    ok: bool
    reason: str = ""  # why it was refused: bad_sender | not_your_conversation | unavailable
    metadata: Dict[str, Any] = field(default_factory=dict)


def identity_metadata(token: Optional[str]) -> Tuple[Dict[str, Any], Optional[str]]:
    """(metadata for the actions, the verified borrower or None)."""
    if not token:
        return {}, None
    try:
        borrower_id = verify_token(token)
    except TokenError as error:
        return {"identity_error": "expired" if error.reason == "expired" else "invalid"}, None
    proof = issue_token(borrower_id, PROOF_TTL_SECONDS, audience=ACTIONS_AUDIENCE)
    return {"identity": proof}, borrower_id


def admit_rest(sender: Any, token: Optional[str]) -> Admission:
    """May this REST message write into conversation `sender`? (Blocking: DB.)"""
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return Admission(False, "bad_sender")
    if sender.startswith(SOCKET_PREFIX):  # the socket's conversations: "b:" + borrower id
        return Admission(False, "not_your_conversation")
    metadata, borrower_id = identity_metadata(token)
    try:
        with session_scope() as session:
            if borrower_id is not None:
                owner = repository.claim_conversation(session, sender, borrower_id)
            else:
                owner = repository.conversation_owner(session, sender)
                if owner is not None:
                    return Admission(False, "not_your_conversation")
    except SQLAlchemyError:
        logger.exception("could not check who %r belongs to", sender)
        return Admission(False, "unavailable")
    if owner != borrower_id:
        return Admission(False, "not_your_conversation")
    return Admission(True, metadata=metadata)


async def offered_payloads(agent: Any, conversation_id: str) -> set:
    """The button payloads the assistant offered in its last turn of this conversation."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return set()
    tracker = store.retrieve(conversation_id)
    if inspect.isawaitable(tracker):
        tracker = await tracker
    if tracker is None:
        return set()
    payloads: set = set()
    for event in reversed(tracker.events):  # the assistant's messages since the borrower spoke
        if getattr(event, "type_name", "") == "user":
            break
        if getattr(event, "type_name", "") == "bot":
            buttons = (event.data or {}).get("buttons") or []
            payloads |= {str(b.get("payload")) for b in buttons if isinstance(b, dict)}
    return payloads


async def checked_text(agent: Any, conversation_id: str, text: str) -> str:
    if not text.startswith("/"):
        return text
    try:
        if text.strip() in await offered_payloads(agent, conversation_id):
            return text
    except Exception:  # noqa: BLE001 - when in doubt, read it as words
        logger.exception("could not read the offered buttons of %s", conversation_id)
    return "／" + text[1:]
