"""The review table: messages the assistant missed, masked, labelled by editors.

    record_missed(session, conversation_id, text, reason, intent, confidence)
    list_items(session, status=None, limit=100)       newest first
    group_similar(items)                               same / near-same wording together
    label / mark_new_intent / dismiss                  an editor's decision
    export_yaml(session)                               labelled items as Rasa NLU YAML

Functions take the caller's Session (bot.storage.db.session_scope) and only flush; the
caller's scope commits.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.review.mask import mask
from bot.storage.models import REVIEW_REASONS, REVIEW_STATUSES, ReviewItem

__all__ = [
    "REVIEW_REASONS", "REVIEW_STATUSES", "ReviewItemNotFound", "ReviewGroup",
    "record_missed", "get_item", "list_items", "normalise", "similarity", "group_similar",
    "label", "mark_new_intent", "dismiss", "export_yaml",
]

SIMILARITY_THRESHOLD = 0.6  # character-bigram Jaccard for "near-identical"
_INTENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*")
_TEXT_MAX = 2000  # a message longer than this is cut (it is masked first)


class ReviewItemNotFound(LookupError):
    pass


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _check_intent(intent: str) -> str:
    intent = (intent or "").strip()
    if not _INTENT_NAME.fullmatch(intent):
        raise ValueError(f"not an intent name: {intent!r}")
    return intent


# ------------------------------------------------------------------------------ record

def record_missed(
    session: Session,
    conversation_id: str,
    text: str,
    reason: str,
    intent: Optional[str] = None,
    confidence: Optional[float] = None,
) -> ReviewItem:
    """Keep one missed message. The text is masked here, before it reaches the database."""
    if reason not in REVIEW_REASONS:
        raise ValueError(f"unknown reason {reason!r}; one of {', '.join(REVIEW_REASONS)}")
    if confidence is not None:
        confidence = float(confidence)
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence must be within 0..1: {confidence}")
    masked = mask(text or "").strip()[:_TEXT_MAX]
    item = ReviewItem(
        conversation_id=str(conversation_id),
        text=masked,
        reason=reason,
        intent=intent or None,
        confidence=confidence,
        status="new",
        created_at=_utcnow(),
    )
    session.add(item)
    session.flush()
    return item


# -------------------------------------------------------------------------------- read

def get_item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewItemNotFound(f"no review item {item_id}")
    return item


def list_items(
    session: Session, status: Optional[str] = None, limit: int = 100
) -> List[ReviewItem]:
    """Newest first; status one of REVIEW_STATUSES or None for all."""
    stmt = select(ReviewItem)
    if status is not None:
        if status not in REVIEW_STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(REVIEW_STATUSES)}")
        stmt = stmt.where(ReviewItem.status == status)
    stmt = stmt.order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


# ------------------------------------------------------------------------------- group

def normalise(text: str) -> str:
    """Width folded (NFKC), lower case, without punctuation, symbols or spaces.
    Placeholders keep their words: 【手机号】 -> 手机号."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def _bigrams(text: str) -> set:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i:i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two normalised texts."""
    x, y = _bigrams(a), _bigrams(b)
    if not x and not y:
        return 1.0
    return len(x & y) / len(x | y)


@dataclass
class ReviewGroup:
    key: str  # normalised text of the first item
    items: List[ReviewItem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.items[0].text

    @property
    def count(self) -> int:
        return len(self.items)


def group_similar(
    items: Sequence[ReviewItem], threshold: float = SIMILARITY_THRESHOLD
) -> List[ReviewGroup]:
    """Identical normalised texts in one group; a text joins the first group whose key
    is at least `threshold` similar. Biggest groups first, then in the given order."""
    groups: List[ReviewGroup] = []
    by_key: Dict[str, ReviewGroup] = {}
    for item in items:
        key = normalise(item.text)
        group = by_key.get(key)
        if group is None:
            group = next((g for g in groups if similarity(key, g.key) >= threshold), None)
        if group is None:
            group = ReviewGroup(key=key)
            groups.append(group)
        by_key.setdefault(key, group)
        group.items.append(item)
    order = {id(g): i for i, g in enumerate(groups)}
    return sorted(groups, key=lambda g: (-g.count, order[id(g)]))


# ------------------------------------------------------------------------------- label

def _decide(session: Session, item_id: int, status: str, label_: Optional[str],
            editor: Optional[str]) -> ReviewItem:
    item = get_item(session, item_id)
    item.status = status
    item.label = label_
    item.editor = (editor or "").strip() or None
    item.labelled_at = _utcnow()
    session.flush()
    return item


def label(session: Session, item_id: int, intent: str, editor: Optional[str]) -> ReviewItem:
    """The editor's intent for this message; it goes into the export."""
    return _decide(session, item_id, "labelled", _check_intent(intent), editor)


def mark_new_intent(session: Session, item_id: int, editor: Optional[str],
                    proposed: Optional[str] = None) -> ReviewItem:
    """No existing intent fits; `proposed` is the editor's suggested name, if any.
    Not exported: a new intent needs responses and stories first."""
    return _decide(session, item_id, "new_intent",
                   _check_intent(proposed) if proposed else None, editor)


def dismiss(session: Session, item_id: int, editor: Optional[str]) -> ReviewItem:
    """Nothing to learn from this one (noise, or the assistant was right)."""
    return _decide(session, item_id, "dismissed", None, editor)


# ------------------------------------------------------------------------------ export

def _example_line(text: str) -> str:
    # One example per line inside a literal block: no line breaks inside an example.
    return " ".join(text.split())


def export_yaml(session: Session) -> str:
    """Labelled items as Rasa NLU training data (version 3.1), one block per intent,
    intents sorted, examples in the order they were recorded, duplicates dropped."""
    stmt = (select(ReviewItem)
            .where(ReviewItem.status == "labelled")
            .order_by(ReviewItem.created_at, ReviewItem.id))
    examples: Dict[str, List[str]] = {}
    seen: Dict[str, set] = {}
    for item in session.execute(stmt).scalars():
        line = _example_line(item.text)
        key = normalise(line)
        if not line or key in seen.setdefault(item.label, set()):
            continue
        seen[item.label].add(key)
        examples.setdefault(item.label, []).append(line)
    out = ['version: "3.1"',
           "# Exported from the review table (python -m bot review export); texts are masked.",
           "nlu:" if examples else "nlu: []"]
    for intent in sorted(examples):
        out.append(f"- intent: {intent}")
        out.append("  examples: |")
        out.extend(f"    - {line}" for line in examples[intent])
    return "\n".join(out) + "\n"
