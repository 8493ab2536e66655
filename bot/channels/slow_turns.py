"""A borrower is never left waiting on a hung part: if the assistant has not answered within
TURN_REPLY_SECONDS, the channel says so (and offers a person) while the turn goes on.

Rasa waits up to five minutes for the action server by default; we cut that to
ACTION_TIMEOUT_SECONDS so a hung action server frees the conversation's lock and the next
message is answered as soon as the server is back.
"""
import asyncio
import logging
import os
from typing import Any, Awaitable, Callable

import rasa.core.actions.action as rasa_action

from bot.content import response_buttons, response_text

logger = logging.getLogger(__name__)

TURN_REPLY_SECONDS = float(os.environ.get("TURN_REPLY_SECONDS", "5"))
rasa_action.DEFAULT_REQUEST_TIMEOUT = int(os.environ.get("ACTION_TIMEOUT_SECONDS", "10"))


def slow_reply(text: str):
    """What to say when the turn is slow: self-harm talk still gets the help lines first."""
    from bot.distress.detector import Level, assess_message

    try:
        level = assess_message(text or "").level
    except Exception:  # noqa: BLE001 - the slow answer must never fail
        level = None
    if level in (Level.CRISIS, Level.POSSIBLE_CRISIS):
        return response_text("utter_crisis_support"), []
    return response_text("utter_slow_service"), response_buttons("utter_slow_service")


async def answered_in_time(turn: Awaitable[Any], text: str,
                           say_slow: Callable[[str, list], Awaitable[Any]]) -> bool:
    """Run the turn; after TURN_REPLY_SECONDS tell the borrower, and let it finish anyway
    (its answer reaches a socket when it comes; over REST the next message shows it).
    True when the turn finished in time."""
    task = asyncio.ensure_future(turn)
    try:
        await asyncio.wait_for(asyncio.shield(task), TURN_REPLY_SECONDS)
        return True
    except asyncio.TimeoutError:
        logger.warning("a turn took longer than %.1f s; the borrower was told", TURN_REPLY_SECONDS)
        await say_slow(*slow_reply(text))
        task.add_done_callback(_log_failure)
        return False


def _log_failure(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("a slow turn failed", exc_info=task.exception())
