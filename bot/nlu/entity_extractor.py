"""Rasa 3.6 NLU component: amount / months / days / date entities for Chinese text.

config.yml (after JiebaTokenizer, whose `dictionary_path: bot/nlu/dictionary` loads the
same user dictionary this component's spaCy pipeline loads):

    - name: bot.nlu.entity_extractor.FinanceEntityExtractor
      # dimensions: [amount, months, days, date]   # default: all four
      # timezone: Asia/Shanghai                     # default: the server's date.today()

Values: amount → yuan (int, or float when it has 角/分), months / days → int,
date → "YYYY-MM-DD". The reference date is today, or env BOT_TODAY=YYYY-MM-DD (tests).
Not trainable: Rasa runs it only at prediction time, so it never touches the
annotations in data/nlu.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import clock
from bot.nlu.normalise import ENTITY_TYPES

logger = logging.getLogger(__name__)

# Far beyond any chat message; keeps a pasted document from stalling the NLU worker.
MAX_CHARS = 20_000


def reference_date(timezone: Optional[str] = None) -> date:
    """BOT_TODAY if set, else today in `timezone` (one rule for the whole bot: bot.clock)."""
    return clock.today(timezone)


# Rasa ships no type information (no py.typed), so its classes are Any to mypy.
@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class FinanceEntityExtractor(GraphComponent, EntityExtractorMixin):  # type: ignore[misc]
    """Extracts amount (yuan), months, days and date entities from Chinese text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # subset of ["amount", "months", "days", "date"]; None = all
            "dimensions": None,
            # IANA zone for "today" (borrowers' calendar day); None = server local date
            "timezone": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["zh"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "jieba"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = config
        dims = config.get("dimensions")
        unknown = set(dims or ()) - set(ENTITY_TYPES)
        if unknown:
            raise ValueError(
                f"FinanceEntityExtractor: unknown dimensions {sorted(unknown)}; "
                f"choose from {list(ENTITY_TYPES)}"
            )
        self._dimensions = set(dims) if dims else set(ENTITY_TYPES)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FinanceEntityExtractor:
        from bot.nlu.spacy_pipeline import get_nlp

        get_nlp()  # build jieba + spaCy now, not on the first borrower message
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends our entities to each message's ENTITIES."""
        today = reference_date(self.component_config.get("timezone"))
        for message in messages:
            extracted = self._extract(message.get(TEXT), today)
            if extracted:
                existing = message.get(ENTITIES) or []
                message.set(ENTITIES, list(existing) + extracted, add_to_output=True)
        return messages

    def _extract(self, text: Any, today: date) -> List[Dict[Text, Any]]:
        if not isinstance(text, str) or not text.strip():
            return []
        from bot.nlu.spacy_pipeline import extract_entities

        try:
            found = extract_entities(text[:MAX_CHARS], today)
        except Exception:  # a parsing bug must not take the conversation down
            logger.exception("FinanceEntityExtractor failed on a message")
            return []
        entities = [
            {
                "entity": e.entity,
                "value": e.value,
                "start": e.start,
                "end": e.end,
                "confidence": 1.0,
            }
            for e in found
            if e.entity in self._dimensions
        ]
        named: List[Dict[Text, Any]] = self.add_extractor_name(entities)  # Rasa: untyped
        return named
