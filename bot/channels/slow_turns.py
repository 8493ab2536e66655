"""A borrower is never left without an answer when a part is slow or down (issue: scale-out,
speed and faults).

- Slow: if the assistant has not answered within TURN_REPLY_SECONDS of the message arriving,
  the channel says so (and offers a person) while the turn goes on. Rasa waits up to five
  minutes for the action server by default; we cut that to ACTION_TIMEOUT_SECONDS so a hung
  action server frees the conversation's lock and the next message is answered as soon as
  the server is back.
- Down: when an action call failed (the action server is down, or answered with an error) or
  the turn said nothing at all, the channel says that something went wrong on our side, that
  the words were kept, to try again in a moment, and how to reach a person: a button when the
  handoff can work now (action server and database both answer), the bank's phone line when
  it cannot. When the turn itself failed (the tracker store or the lock store is down) the
  message was not kept: the borrower is asked to send it again.
- Self-harm talk gets the help lines instead, in every one of these answers (crisis_first).

The tracker store down: Rasa wraps it in a FailSafeTrackerStore, which runs the turn on a new,
empty tracker when it cannot read the conversation and keeps the result only in memory when
it cannot write it: the borrower would get an answer out of context that the conversation
never remembers. refuse_blank_trackers makes those errors fail the turn instead, so the
borrower is asked to send the message again.

How a failed action call is known: Rasa 3.6's MessageProcessor catches the exception of a
custom action, logs it and goes on with no events, so the turn usually ends silent. We wrap
RemoteAction.run (every call of a custom action, form validations included) to note each
failed call in a per-turn list carried by a ContextVar: the channel sets it for the turn's
task, so concurrent turns never see each other's failures. A turn that said nothing is
caught too, whatever the cause.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import rasa.core.actions.action as rasa_action
from rasa.core.tracker_store import FailSafeTrackerStore

from bot.content import response_buttons, response_text
from bot.storage import db

logger = logging.getLogger(__name__)

TURN_REPLY_SECONDS = float(os.environ.get("TURN_REPLY_SECONDS", "5"))
rasa_action.DEFAULT_REQUEST_TIMEOUT = int(os.environ.get("ACTION_TIMEOUT_SECONDS", "10"))
# How long the channel asks the action server and the database whether a person can be
# reached through the handoff, before choosing the button or the phone line.
PROBE_SECONDS = float(os.environ.get("FAULT_PROBE_SECONDS", "1"))

Reply = Tuple[str, list]
Say = Callable[[str, list], Awaitable[Any]]

# ---- which action calls failed in this turn -------------------------------------------

_failed_calls: ContextVar[Optional[List[str]]] = ContextVar("failed_action_calls", default=None)


def _noting_failures(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(run)
    async def run_noting_failures(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(self, *args, **kwargs)
        except rasa_action.ActionExecutionRejection:
            raise  # a form rejecting a slot value: the dialogue goes on, nothing failed
        except Exception:
            calls = _failed_calls.get()
            if calls is not None:
                calls.append(self.name())
            raise

    run_noting_failures.notes_failures = True  # type: ignore[attr-defined]
    return run_noting_failures


if not getattr(rasa_action.RemoteAction.run, "notes_failures", False):
    rasa_action.RemoteAction.run = _noting_failures(rasa_action.RemoteAction.run)  # type: ignore[method-assign]


# ---- the tracker store down fails the turn ---------------------------------------------

class ConversationStoreUnavailable(RuntimeError):
    """The tracker store could not read or write the conversation."""


def _fail_the_turn(error: Exception) -> None:
    raise ConversationStoreUnavailable(f"the tracker store failed: {error}") from error


def refuse_blank_trackers(agent: Any) -> None:
    """Make the agent's tracker store errors fail the turn (see the module docstring); for
    every turn, so that a model loaded later through the HTTP API gets it too."""
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore) and store._on_tracker_store_error is not _fail_the_turn:
        store._on_tracker_store_error = _fail_the_turn


# ---- what to say ----------------------------------------------------------------------

def crisis_first(text: str, response: str) -> Reply:
    """The response's text and buttons, except that self-harm talk gets the help lines instead
    (the one place every slow or failed turn goes through)."""
    from bot.distress.detector import Level, assess_message

    try:
        level = assess_message(text or "").level
    except Exception:  # noqa: BLE001 - the answer to a fault must never fail
        level = None
    if level in (Level.CRISIS, Level.POSSIBLE_CRISIS):
        return response_text("utter_crisis_support"), []
    return response_text(response), response_buttons(response)


def slow_reply(text: str) -> Reply:
    """What to say when the turn is slow: self-harm talk still gets the help lines first."""
    return crisis_first(text, "utter_slow_service")


def trouble_reply(text: str, kept: bool, person_button: bool = False) -> Reply:
    """What to say when something failed on our side.
    kept: the message is in the conversation (the turn ran); otherwise it must be sent again.
    person_button: the handoff can work now, so a button for a person; otherwise the phone."""
    if not kept:
        return crisis_first(text, "utter_message_not_processed")
    if person_button:
        return crisis_first(text, "utter_technical_problem")
    return crisis_first(text, "utter_technical_problem_phone")


# ---- can a person be reached through the handoff right now? --------------------------

def _health_url(action_url: str) -> str:
    parts = urlsplit(action_url)
    return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))


async def _action_server_answers(agent: Any, seconds: float) -> bool:
    import aiohttp

    url = getattr(getattr(agent, "action_endpoint", None), "url", None)
    if not url:
        return False
    timeout = aiohttp.ClientTimeout(total=seconds)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(_health_url(url)) as answer:
            return answer.status == 200


async def _database_answers(seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(None, db.ping), seconds)


async def handoff_can_work(agent: Any, seconds: Optional[float] = None) -> bool:
    """A "转人工" button works only when the action server (action_request_human) and our
    database (the queue) both answer; asked at once, for at most PROBE_SECONDS."""
    seconds = PROBE_SECONDS if seconds is None else seconds
    if seconds <= 0:
        return False
    answers = await asyncio.gather(_action_server_answers(agent, seconds),
                                   _database_answers(seconds), return_exceptions=True)
    return all(answer is True for answer in answers)


# ---- one turn -------------------------------------------------------------------------

@dataclass
class TurnOutcome:
    in_time: bool  # finished before the deadline (otherwise the slow answer was sent)
    error: Optional[BaseException] = None  # the turn itself failed: the message was not kept
    failed_calls: List[str] = field(default_factory=list)  # custom actions whose call failed

    @property
    def went_wrong(self) -> bool:
        return self.error is not None or bool(self.failed_calls)


def deadline_in(seconds: float = 0.0) -> float:
    """A deadline on the running loop's clock; 0 = TURN_REPLY_SECONDS from now."""
    return asyncio.get_running_loop().time() + (seconds or TURN_REPLY_SECONDS)


def seconds_left(deadline: float) -> float:
    return max(0.0, deadline - asyncio.get_running_loop().time())


async def before_deadline(deadline: float, call: Callable[..., Any], *args: Any,
                          fallback: Any = None) -> Any:
    """A blocking call (database) in a worker thread, given until the deadline; `fallback` if it
    takes longer or fails (it is logged)."""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(None, call, *args),
                                      max(seconds_left(deadline), 0.5))
    except asyncio.TimeoutError:
        logger.warning("%s took too long; going on without it", getattr(call, "__name__", call))
    except Exception:  # noqa: BLE001 - the borrower gets an answer whatever broke
        logger.exception("%s failed; going on without it", getattr(call, "__name__", call))
    return fallback


async def run_turn(turn: Awaitable[Any], text: str, say_slow: Say, deadline: Optional[float] = None,
                   on_late: Optional[Callable[[TurnOutcome], Awaitable[Any]]] = None) -> TurnOutcome:
    """Run the turn, noting its failed action calls. If it has not finished by the deadline
    (default: TURN_REPLY_SECONDS from now) tell the borrower, and let it finish anyway: its
    answer reaches a socket when it comes (over REST the next message shows it), and on_late
    then gets its outcome. A turn that raises is logged and reported, never re-raised."""
    calls: List[str] = []
    marker = _failed_calls.set(calls)
    try:
        task = asyncio.ensure_future(turn)  # the task copies this context: its own list
    finally:
        _failed_calls.reset(marker)
    deadline = deadline_in() if deadline is None else deadline
    try:
        await asyncio.wait_for(asyncio.shield(task), seconds_left(deadline))
    except asyncio.TimeoutError:
        logger.warning("a turn took longer than %.1f s; the borrower was told", TURN_REPLY_SECONDS)
        await say_slow(*slow_reply(text))
        # The event loop keeps only weak references to tasks (asyncio docs): hold the late
        # turn until it is done, so it is never collected half-way.
        _late.add(task)
        task.add_done_callback(_late.discard)
        task.add_done_callback(functools.partial(_after_late_turn, calls, on_late))
        return TurnOutcome(False, None, calls)
    except Exception as error:  # noqa: BLE001 - e.g. the tracker store is down
        logger.exception("a turn failed")
        return TurnOutcome(True, error, calls)
    return TurnOutcome(True, None, calls)


def _after_late_turn(calls: List[str], on_late: Optional[Callable[[TurnOutcome], Awaitable[Any]]],
                     task: "asyncio.Future[Any]") -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        logger.error("a slow turn failed", exc_info=error)
    if on_late is not None:
        step = asyncio.ensure_future(_run_quietly(on_late(TurnOutcome(False, error, calls))))
        _late.add(step)
        step.add_done_callback(_late.discard)


_late: "set[asyncio.Future[Any]]" = set()


async def _run_quietly(step: Awaitable[Any]) -> None:
    try:
        await step
    except Exception:  # noqa: BLE001 - nobody awaits a late step
        logger.exception("could not finish a slow turn")
