"""One action run: who the borrower is (from the verified token only), one DB session,
what to say, and which yes/no question stays open (the `offer` slot)."""
import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.accounts import AccountFacts, facts_for
from bot.identity import ACTIONS_AUDIENCE, TokenError, verify_token
from bot.storage import repository
from bot.storage.db import is_unavailable, session_scope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    status: str  # "ok" | "missing" | "expired" | "invalid"
    borrower_id: Optional[str] = None


def identity_of(tracker: Tracker) -> Identity:
    """Only the latest message counts: a sender id is chosen by the client, so an older
    message's identity must never unlock the conversation for a later sender.

    Our channels verify the borrower token and pass `identity`, a two-minute proof signed
    for this server alone (audience "actions"), or `identity_error`; the tracker store
    never keeps a token that opens an account (bot/channels/inbound.py). A borrower token
    under `token` is still read, for callers that post to this server directly in tests."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if not isinstance(metadata, dict):
        return Identity("missing")
    proof, token = metadata.get("identity"), metadata.get("token")
    try:
        if proof:
            return Identity("ok", verify_token(proof, audience=ACTIONS_AUDIENCE))
        if token:
            return Identity("ok", verify_token(token))
    except TokenError as error:
        return Identity("expired" if error.reason == "expired" else "invalid")
    if metadata.get("identity_error") in ("expired", "invalid"):
        return Identity(metadata["identity_error"])
    return Identity("missing")


class Turn:
    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.domain = domain
        self.today = clock.today()
        self.identity = identity_of(tracker)
        self.session = None  # set by BaseAction.run: one Session per request
        self.events: List[Dict[Text, Any]] = []
        self.offer: Optional[str] = None  # the question this turn leaves open
        self._identity_explained = False

    # ---- what the borrower said -------------------------------------------------------
    @property
    def text(self) -> str:
        return (self.tracker.latest_message or {}).get("text") or ""

    @property
    def intent(self) -> Optional[str]:
        return ((self.tracker.latest_message or {}).get("intent") or {}).get("name")

    def entity(self, name: str) -> Any:
        for entity in (self.tracker.latest_message or {}).get("entities") or []:
            if entity.get("entity") == name:
                return entity.get("value")
        return None

    def slot(self, name: str) -> Any:
        """The slot as it will be after this action: values set in this turn win."""
        for event in reversed(self.events):
            if event.get("event") == "slot" and event.get("name") == name:
                return event.get("value")
        return self.tracker.get_slot(name)

    def set(self, name: str, value: Any) -> None:
        self.events.append(SlotSet(name, value))

    @property
    def conversation_id(self) -> str:
        return self.tracker.sender_id

    # ---- what the assistant says ------------------------------------------------------
    def say(self, response: str, **values: Any) -> None:
        self.dispatcher.utter_message(response=response, **values)

    def say_buttons(self, response: str, buttons: List[Dict[str, str]], **values: Any) -> None:
        self.dispatcher.utter_message(response=response, buttons=buttons, **values)

    # ---- who the borrower is ----------------------------------------------------------
    def borrower_id(self, required: bool = False) -> Optional[str]:
        """The verified borrower, or None. A bad token is always explained (once per turn);
        a missing one only when the borrower asked for something that needs it."""
        status = self.identity.status
        if status == "ok":
            return self.identity.borrower_id
        if not self._identity_explained and (status != "missing" or required):
            self.say({"missing": "utter_need_login", "expired": "utter_token_expired",
                      "invalid": "utter_token_invalid"}[status])
            self._identity_explained = True
        return None

    def borrower_name(self, borrower_id: str) -> str:
        borrower = repository.get_borrower(self.session, borrower_id)
        return borrower.display_name if borrower else ""

    def accounts(self, borrower_id: str) -> List[AccountFacts]:
        return [facts_for(a, self.today) for a in repository.list_accounts(self.session, borrower_id)]


class BaseAction(Action):
    """Subclasses implement act(turn); the DB work runs off the event loop.

    The one place an action's failure is answered: whatever broke, the borrower gets an
    apology, never a crash of the action server or a silent turn. The whole act() runs in one
    session, committed once at the end, so a failure writes nothing of its own (the handoff
    queue commits a ticket in its own single transaction). Our database unreachable: the
    apology gives the bank's phone line (the handoff queue cannot work either) and the
    question the assistant had asked stays open, so "好" works again once the database is
    back. Any other error: the apology offers a person, and the question is dropped."""

    action_name = ""

    def name(self) -> Text:
        return self.action_name

    def act(self, turn: Turn) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _act_in_session(self, turn: Turn) -> None:
        with session_scope() as session:
            turn.session = session
            self.act(turn)
            from .review import keep_if_unsure  # (review imports this module)

            keep_if_unsure(turn)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        turn = Turn(dispatcher, tracker, domain)
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._act_in_session, turn)
        except Exception as error:  # the borrower gets an answer whatever broke; we get the trace
            dispatcher.messages.clear()
            if is_unavailable(error):
                logger.error("action %s: the database is unavailable: %s", self.name(), error)
                dispatcher.utter_message(response="utter_technical_problem_phone")
                return []
            logger.exception("action %s failed", self.name())
            dispatcher.utter_message(response="utter_technical_problem")
            return [SlotSet("offer", None)]
        return turn.events + [SlotSet("offer", turn.offer)]
