"""Makes sure self-harm talk reaches the crisis answer, whatever the classifier thought.

Runs last in the NLU pipeline: the editable lexicon (bot/distress/lexicon.yml) and the
classifier's own guess are combined by bot.distress; a crisis verdict replaces the intent
(also over nlu_fallback), and an everyday exaggeration that the classifier took for crisis
("笑死我了") is handed to the next intent in the ranking. The lexicon is read at run time,
so an editor's change needs no retraining.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.distress.detector import Level, assess_message

CRISIS = "crisis"
# Intents that must never replace crisis when we step down from a false alarm.
_NOT_A_STEP_DOWN = {CRISIS, "nlu_fallback"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisIntentOverride(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisIntentOverride":
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
        if assessment.level == Level.CRISIS:
            if (message.get(INTENT) or {}).get("name") != CRISIS:
                message.set(INTENT, {"name": CRISIS, "confidence": 1.0}, add_to_output=True)
                ranking = [{"name": CRISIS, "confidence": 1.0}] + [r for r in ranking if r.get("name") != CRISIS]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        elif (message.get(INTENT) or {}).get("name") == CRISIS and _explained_by_guard(assessment):
            step_down = _next_intent(ranking)
            if step_down is not None:
                message.set(INTENT, step_down, add_to_output=True)


def _explained_by_guard(assessment) -> bool:
    """Only a guard phrase (an everyday exaggeration) may take crisis away, never doubt."""
    return any(reason.startswith("crisis_intent_explained_by_guard") for reason in assessment.reasons)


def _next_intent(ranking: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    for entry in ranking:
        if entry.get("name") not in _NOT_A_STEP_DOWN:
            return {"name": entry["name"], "confidence": entry.get("confidence")}
    return None
