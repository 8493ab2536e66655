"""Replies that depend on context: low confidence, a yes or no, a bare value.

A yes, a no or a bare number means what the assistant's last question asked: the `offer`
slot says which, and these actions hand over to the skill that asked.
"""
from rasa_sdk.events import FollowupAction

from bot.settings import settings

from .cases import ActionRequestHuman, ActionRespondCrisis
from .commitments import ActionSetReminder
from .plans import ActionOfferExtension, ActionOfferInstallment, ActionSubmitApplication
from .review import is_correction, keep_correction, keep_fallback
from .turn import BaseAction, Turn

_DECLINE = {
    "installment": "utter_decline_installment",
    "installment_confirm": "utter_decline_plan",
    "extension": "utter_decline_plan",
    "extension_confirm": "utter_decline_plan",
    "reminder": "utter_decline_reminder",
    "safety_check": "utter_safety_check_no",
}

# offer -> the action that carries on after a yes
_ON_YES = {
    "installment_confirm": ActionSubmitApplication,
    "extension_confirm": ActionSubmitApplication,
    "extension": ActionOfferExtension,
    "reminder": ActionSetReminder,
    # "Are you thinking of hurting yourself?" — yes is a crisis (domain.md §6).
    "safety_check": ActionRespondCrisis,
}


def fallbacks_in_a_row(tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


class ActionHandleFallback(BaseAction):
    action_name = "action_handle_fallback"

    def act(self, turn: Turn) -> None:
        guess = _top_guess(turn)
        if is_correction(turn.text):
            keep_correction(turn)
        else:
            keep_fallback(turn, guess, _top_confidence(turn))
        if turn.slot("offer") and guess in _YES_NO:
            # Unsure words right after a yes/no question: the classifier's best guess is
            # a yes or a no ("嗯 算一下吧"), so answer the question that was asked.
            _YES_NO[guess]().act(turn)
            return
        if not turn.text.strip():
            turn.say("utter_empty_message")
        elif fallbacks_in_a_row(turn.tracker) >= settings()["fallbacks_before_human"]:
            turn.say("utter_fallback_offer_human")
            turn.offer = "human_fallback"
        else:
            turn.say("utter_ask_rephrase")


class ActionAcceptOffer(BaseAction):
    action_name = "action_accept_offer"

    def act(self, turn: Turn) -> None:
        offer = turn.slot("offer") or ""
        if offer == "installment":
            # The form asks for the monthly budget (and handles questions in between).
            turn.events.append(FollowupAction("installment_form"))
        elif offer in _ON_YES:
            _ON_YES[offer]().act(turn)
        elif offer.startswith("human"):  # human, human_distress, human_dispute, ...
            ActionRequestHuman().act(turn)
        else:
            turn.say("utter_anything_else")


class ActionDeclineOffer(BaseAction):
    action_name = "action_decline_offer"

    def act(self, turn: Turn) -> None:
        if is_correction(turn.text):  # "不是这个意思": we misread the message before
            keep_correction(turn)
        offer = turn.slot("offer") or ""
        if offer.startswith("human"):
            turn.say("utter_decline_human")
        else:
            turn.say(_DECLINE.get(offer, "utter_anything_else"))


def _top_confidence(turn: Turn):
    ranking = (turn.tracker.latest_message or {}).get("intent_ranking") or []
    return next((e.get("confidence") for e in ranking if e.get("name") != "nlu_fallback"), None)


def _top_guess(turn: Turn):
    """The classifier's best intent under a fallback, if it is at least a weak guess."""
    ranking = (turn.tracker.latest_message or {}).get("intent_ranking") or []
    for entry in ranking:
        if entry.get("name") != "nlu_fallback":
            return entry.get("name") if (entry.get("confidence") or 0) >= _GUESS_MIN else None
    return None


# A guess this weak is not taken; below the fallback threshold, above noise.
_GUESS_MIN = 0.15
_YES_NO = {"affirm": ActionAcceptOffer, "deny": ActionDeclineOffer}


class ActionHandleInform(BaseAction):
    """A bare value: an answer to the open question, or we ask what it is for (never guess
    with money)."""

    action_name = "action_handle_inform"

    def act(self, turn: Turn) -> None:
        offer = turn.slot("offer")
        amount = turn.entity("amount")
        if offer in ("installment", "installment_confirm") and (amount is not None or offer == "installment_confirm"):
            if amount is not None and turn.entity("months") is None:
                turn.set("monthly_budget", float(amount))  # a (new) monthly budget
            if turn.identity.status != "ok" and turn.slot("debt_amount") is None:
                turn.events.append(FollowupAction("installment_form"))  # a guest: ask the debt
                return
            ActionOfferInstallment().act(turn)
        elif offer in ("extension", "extension_confirm"):
            ActionOfferExtension().act(turn)
        elif offer == "reminder" and turn.entity("days") is not None:
            ActionSetReminder().act(turn)
        else:
            turn.say("utter_inform_without_context")
