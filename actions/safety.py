"""Scams and fears (domain.md §3–§5): a clear warning and what to do, or the facts that
answer a fear, calmly; then the borrower carries on where they were (the rules return to an
active form)."""
from bot.safety import already_done, fear_topics

from .cases import record
from .handoff import open_ticket, tell_wait
from .turn import BaseAction, Turn


class ActionWarnScam(BaseAction):
    """Warn, say what to do; if they already paid or shared a code, a person follows up
    with priority."""

    action_name = "action_warn_scam"

    def act(self, turn: Turn) -> None:
        turn.say("utter_scam_warning")
        turn.say("utter_scam_what_to_do")
        if already_done(turn.text):
            turn.say("utter_scam_already_paid")
            record(turn, "scam")
            queue, ticket = open_ticket(turn, "scam", pause=False)
            tell_wait(turn, queue, ticket)


class ActionExplainConsequences(BaseAction):
    """One accurate answer per fear the borrower named (prison, court, travel, family,
    contacts, night calls), or the short general facts when none was named."""

    action_name = "action_explain_consequences"

    def act(self, turn: Turn) -> None:
        turn.say("utter_fear_intro")
        topics = fear_topics(turn.text)
        for topic in topics:
            turn.say(f"utter_fear_{topic}")
        if not topics:
            turn.say("utter_fear_general")
        if turn.tracker.active_loop.get("name") is None:
            turn.say("utter_fear_next_step")
