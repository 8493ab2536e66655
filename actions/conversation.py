"""Replies that depend on context: low confidence, a yes or no, a bare value."""
from .turn import BaseAction, Turn
from bot.settings import settings

_DECLINE = {
    "installment": "utter_decline_installment",
    "installment_confirm": "utter_decline_plan",
    "extension": "utter_decline_plan",
    "extension_confirm": "utter_decline_plan",
    "reminder": "utter_decline_reminder",
    "human": "utter_decline_human",
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
        if not turn.text.strip():
            turn.say("utter_empty_message")
        elif fallbacks_in_a_row(turn.tracker) >= settings()["fallbacks_before_human"]:
            turn.say("utter_fallback_offer_human")
            turn.offer = "human"
        else:
            turn.say("utter_ask_rephrase")


class ActionDeclineOffer(BaseAction):
    action_name = "action_decline_offer"

    def act(self, turn: Turn) -> None:
        turn.say(_DECLINE.get(turn.slot("offer"), "utter_anything_else"))


class ActionAcceptWithoutOffer(BaseAction):
    action_name = "action_accept_without_offer"

    def act(self, turn: Turn) -> None:
        turn.say("utter_anything_else")


class ActionHandleInform(BaseAction):
    """A bare value with no open question: ask what it is for, never guess with money."""

    action_name = "action_handle_inform"

    def act(self, turn: Turn) -> None:
        turn.say("utter_inform_without_context")
