"""Things a person at the bank must see: fee-waiver requests, disputes, complaints,
distress and crisis, and an explicit ask for a person. Each leaves a ticket in the handoff
queue with its category; crisis and an accepted offer of a person pause the bot at once."""
from bot.distress.detector import Level, assess_conversation
from bot.handoff.summary import user_turns
from bot.situations import remember, situation_for
from bot.storage import repository

from .handoff import agents_on_duty, next_opening_text, open_ticket, tell_wait
from .turn import BaseAction, Turn

# The borrower's words are kept for the agent, cut to a sane size.
_MAX_TEXT = 2000


def record(turn: Turn, category: str) -> str:
    row = repository.record_case(
        turn.session, category=category, text=turn.text[:_MAX_TEXT],
        borrower_id=turn.borrower_id(), conversation_id=turn.conversation_id)
    return repository.case_reference(row)


class RecordedCaseAction(BaseAction):
    """Answer honestly, record the case, queue a ticket (the bot keeps answering until an
    agent claims it), and offer a person now."""

    category = ""
    answer = ""      # response said first
    recorded = ""    # response with the {reference}

    def act(self, turn: Turn) -> None:
        open_ticket(turn, self.category, pause=False)
        self.before(turn)
        turn.say(self.answer)
        reference = record(turn, self.category)
        if self.recorded:
            turn.say(self.recorded, reference=reference)
        turn.say("utter_offer_human")
        turn.offer = f"human_{self.category}"

    def before(self, turn: Turn) -> None:
        """Hook for what a case adds to the conversation state."""


class ActionExplainFeeWaiver(RecordedCaseAction):
    action_name = "action_explain_fee_waiver"
    category, answer, recorded = "fee_waiver", "utter_fee_waiver", "utter_fee_waiver_recorded"


class ActionRecordDispute(RecordedCaseAction):
    action_name = "action_record_dispute"
    category, answer, recorded = "dispute", "utter_dispute", "utter_dispute_recorded"

    def before(self, turn: Turn) -> None:
        turn.set("situations", remember(turn.slot("situations"), situation_for("dispute_debt", turn.text)))


class ActionRecordComplaint(RecordedCaseAction):
    action_name = "action_record_complaint"
    category, answer, recorded = "complaint", "utter_complaint", "utter_complaint_recorded"


class ActionRequestHuman(BaseAction):
    """A person now: the ticket's category says why (the offer that was accepted)."""

    action_name = "action_request_human"

    def act(self, turn: Turn) -> None:
        offer = turn.slot("offer") or ""
        category = offer[len("human_"):] if offer.startswith("human_") else "human"
        if category == "fallback":  # the editors learn from what we kept misreading
            from .review import keep_handoff_after_fallback

            keep_handoff_after_fallback(turn)
        queue, ticket = open_ticket(turn, category, pause=True)
        tell_wait(turn, queue, ticket)


class ActionRespondDistress(BaseAction):
    """Acknowledge, then offer a person; distress again in the conversation hands over."""

    action_name = "action_respond_distress"

    def act(self, turn: Turn) -> None:
        turn.say("utter_distress_support")
        if assess_conversation(user_turns(turn.tracker.events)).escalate:
            queue, ticket = open_ticket(turn, "distress", pause=True)
            tell_wait(turn, queue, ticket)
            return
        turn.say("utter_offer_human")
        turn.offer = "human_distress"


class ActionRespondCrisis(BaseAction):
    """Safe messaging (domain.md §6): acknowledge, help lines first, no debt talk; an urgent
    ticket and the bot pauses at once so a person takes over."""

    action_name = "action_respond_crisis"

    def act(self, turn: Turn) -> None:
        turn.say("utter_crisis_support")
        open_ticket(turn, "crisis", pause=True)
        # Never promise a person who is not there (domain.md §6).
        if agents_on_duty():
            turn.say("utter_crisis_person_coming")
        else:
            turn.say("utter_crisis_outside_hours", next_opening=next_opening_text())
        record(turn, "crisis")


class ActionRespondPossibleCrisis(BaseAction):
    """Words that may mean self-harm: the lines, a direct and kind question, a high-priority
    ticket. A yes (the `safety_check` offer) or more such words make it a crisis; the bot
    keeps talking meanwhile, with no goodbye and no figures in this turn."""

    action_name = "action_respond_possible_crisis"

    def act(self, turn: Turn) -> None:
        if assess_conversation(user_turns(turn.tracker.events)).level is Level.CRISIS:
            ActionRespondCrisis().act(turn)
            return
        turn.say("utter_possible_crisis_check")
        open_ticket(turn, "possible_crisis", pause=False)
        if agents_on_duty():
            turn.say("utter_possible_crisis_person")
        else:
            turn.say("utter_possible_crisis_outside_hours", next_opening=next_opening_text())
        record(turn, "possible_crisis")
        turn.offer = "safety_check"
