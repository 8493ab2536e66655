"""What the assistant missed goes to the editors' review table (bot.review.store masks the
words before they are stored): a fallback, an answer given with low confidence, a
borrower's "不是这个意思", and a handoff that a fallback led to."""
import re
from typing import Optional, Tuple

from bot.review.store import record_missed

from .turn import Turn

# A borrower telling us we misread the last message.
_CORRECTION = re.compile(r"不是这个意思|不是这意思|你理解错|理解错了|答非所问|你没懂|没听懂我|不是我要问的|我不是问这个")


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search(text or ""))


def _previous_user_message(turn: Turn) -> Tuple[Optional[str], Optional[str], Optional[float]]:
    """The borrower's message before the latest one: (text, intent, confidence)."""
    seen_latest = False
    for event in reversed(turn.tracker.events):
        if event.get("event") != "user":
            continue
        if not seen_latest:
            seen_latest = True
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        return event.get("text"), intent.get("name"), intent.get("confidence")
    return None, None, None


# Below this the classifier's answer is worth an editor's look (the fallback is at 0.25).
LOW_CONFIDENCE = 0.5


def keep_if_unsure(turn: Turn) -> None:
    """Once per message: the first action after the borrower spoke, when the intent was a
    guess (the fallback keeps its own row)."""
    if turn.tracker.latest_action_name != "action_listen":
        return
    intent = (turn.tracker.latest_message or {}).get("intent") or {}
    confidence = intent.get("confidence")
    if (intent.get("name") not in (None, "nlu_fallback") and confidence is not None
            and confidence < LOW_CONFIDENCE and turn.text.strip()
            and not turn.text.startswith("/")):
        record_missed(turn.session, turn.conversation_id, turn.text, "low_confidence",
                      intent.get("name"), confidence)


def keep_fallback(turn: Turn, guess: Optional[str], confidence: Optional[float]) -> None:
    if turn.text.strip():
        record_missed(turn.session, turn.conversation_id, turn.text, "fallback", guess, confidence)


def keep_correction(turn: Turn) -> None:
    """The message the borrower says we misread is the one before this."""
    text, intent, confidence = _previous_user_message(turn)
    if text and not text.startswith("/"):
        record_missed(turn.session, turn.conversation_id, text, "correction", intent, confidence)


def keep_handoff_after_fallback(turn: Turn) -> None:
    for event in reversed(turn.tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") == "nlu_fallback" and event.get("text"):
            ranking = (event.get("parse_data") or {}).get("intent_ranking") or []
            guess = next((r for r in ranking if r.get("name") != "nlu_fallback"), {})
            record_missed(turn.session, turn.conversation_id, event["text"],
                          "handoff_after_fallback", guess.get("name"), guess.get("confidence"))
            return
