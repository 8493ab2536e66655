"""Things a person at the bank must see: fee-waiver requests, disputes, complaints, a human."""
from bot.situations import remember, situation_for
from bot.storage import repository

from .turn import BaseAction, Turn

# The borrower's words are kept for the agent, cut to a sane size.
_MAX_TEXT = 2000


def record(turn: Turn, category: str) -> str:
    row = repository.record_case(
        turn.session, category=category, text=turn.text[:_MAX_TEXT],
        borrower_id=turn.borrower_id(), conversation_id=turn.conversation_id)
    return repository.case_reference(row)


class ActionExplainFeeWaiver(BaseAction):
    action_name = "action_explain_fee_waiver"

    def act(self, turn: Turn) -> None:
        turn.say("utter_fee_waiver")
        turn.say("utter_fee_waiver_recorded", reference=record(turn, "fee_waiver"))
        turn.say("utter_offer_human")
        turn.offer = "human"


class ActionRecordDispute(BaseAction):
    action_name = "action_record_dispute"

    def act(self, turn: Turn) -> None:
        turn.set("situations", remember(turn.slot("situations"), situation_for("dispute_debt", turn.text)))
        turn.say("utter_dispute", reference=record(turn, "dispute"))
        turn.say("utter_offer_human")
        turn.offer = "human"


class ActionRecordComplaint(BaseAction):
    action_name = "action_record_complaint"

    def act(self, turn: Turn) -> None:
        turn.say("utter_complaint")
        turn.say("utter_complaint_recorded", reference=record(turn, "complaint"))
        turn.say("utter_offer_human")
        turn.offer = "human"


class ActionRequestHuman(BaseAction):
    action_name = "action_request_human"

    def act(self, turn: Turn) -> None:
        turn.say("utter_human_requested", reference=record(turn, "human"))


class ActionRespondDistress(BaseAction):
    action_name = "action_respond_distress"

    def act(self, turn: Turn) -> None:
        turn.say("utter_distress_support")
        turn.say("utter_offer_human")
        turn.offer = "human"


class ActionRespondCrisis(BaseAction):
    """Safe messaging (domain.md §6): acknowledge, help lines first, no debt talk."""

    action_name = "action_respond_crisis"

    def act(self, turn: Turn) -> None:
        turn.say("utter_crisis_support")
        record(turn, "crisis")
