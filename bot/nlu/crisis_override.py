"""Makes sure self-harm talk and scams reach their answers, whatever the classifier thought.

Runs last in the NLU pipeline:
- `bot.distress` combines the level classifier, the editable lexicon and the intent
  classifier's own guess into none / distress / possible crisis / crisis. A crisis verdict
  replaces the intent with `crisis` (also over nlu_fallback), a possible crisis with
  `possible_crisis` (an intent no example trains: only this component sets it), and a
  crisis intent the detector does not back ("笑死我了") steps down to the next intent.
- `bot.safety.is_scam`: a scam marker (安全账户, 验证码 for someone, a paid 停息挂账 agent)
  makes the intent `report_scam`, so the scam's figures never fill a form slot and never
  trigger one of our own offers.
The verdict travels with the message (`distress`: level, score, reasons) for the actions,
the case summary and the agent console.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.distress.detector import Level, assess_message
from bot.safety import is_scam

CRISIS = "crisis"
POSSIBLE_CRISIS = "possible_crisis"
SCAM = "report_scam"
DISTRESS_KEY = "distress"
# Intents that must never replace crisis when we step down from a false alarm.
_NOT_A_STEP_DOWN = {CRISIS, POSSIBLE_CRISIS, "nlu_fallback"}


# Rasa ships no type information (no py.typed), so GraphComponent is Any to mypy.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisIntentOverride(GraphComponent):  # type: ignore[misc]
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisIntentOverride":
        # Load (or train and cache) the level classifier now, not on a borrower's message.
        assess_message("")
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    @staticmethod
    def _process_one(message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        name, confidence = intent.get("name"), intent.get("confidence")
        ranking: List[Dict[str, Any]] = list(message.get(INTENT_RANKING_KEY) or [])
        if name == "nlu_fallback" and ranking:
            # The fallback hides the classifier's real guess; judge that one.
            name, confidence = ranking[0].get("name"), ranking[0].get("confidence")
        assessment = assess_message(text, intent=name, confidence=confidence)
        message.set(DISTRESS_KEY, {"level": assessment.level.value, "score": assessment.score,
                                   "reasons": list(assessment.reasons)}, add_to_output=True)
        current = (message.get(INTENT) or {}).get("name")
        if assessment.level is Level.CRISIS:
            _replace(message, ranking, CRISIS)
        elif assessment.level is Level.POSSIBLE_CRISIS:
            _replace(message, ranking, POSSIBLE_CRISIS)
        elif current == CRISIS:
            step_down = _next_intent(ranking)
            if step_down is not None:
                message.set(INTENT, step_down, add_to_output=True)
                current = step_down["name"]
        if assessment.level not in (Level.CRISIS, Level.POSSIBLE_CRISIS) and current != SCAM \
                and is_scam(text):
            _replace(message, ranking, SCAM)


def _replace(message: Message, ranking: List[Dict[str, Any]], name: str) -> None:
    if (message.get(INTENT) or {}).get("name") == name:
        return
    message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}]
                + [r for r in ranking if r.get("name") != name], add_to_output=True)


def _next_intent(ranking: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    for entry in ranking:
        if entry.get("name") not in _NOT_A_STEP_DOWN:
            return {"name": entry["name"], "confidence": entry.get("confidence")}
    return None
