"""TEDPolicy with its predictions remembered by dialogue state.

TED's prediction is a pure function of the states it featurizes (the last `max_history`
turns: intents, previous actions, slots, entities, the active form) once the model is
trained. Running the transformer for it was a quarter of a turn's CPU, and borrowers'
conversations repeat the same few state sequences, so the result is kept per exact state
sequence (a bounded LRU) and reused. When TED reads the raw user text (end-to-end stories)
the state includes text that rarely repeats, so nothing is cached.

Same training, same files, same predictions: only `predict_action_probabilities` changes.
"""
from __future__ import annotations

import copy
import json
import os
from collections import OrderedDict
from typing import Any, Dict, Optional

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction, SupportedData
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

from bot.dialogue import rasa_speedups

# Remembered predictions per process; TED_CACHE_SIZE=0 turns the cache off (make bench
# measures both: conversations that repeat and conversations that never do).
CACHE_SIZE = int(os.environ.get("TED_CACHE_SIZE", "20000"))


# Rasa ships no type information, so its classes are Any to mypy.
@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class CachedTEDPolicy(TEDPolicy):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rasa_speedups.apply()  # every process serving a model builds this policy
        self._predictions: "OrderedDict[str, PolicyPrediction]" = OrderedDict()

    def _state_key(self, tracker: DialogueStateTracker, domain: Domain,
                   rule_only_data: Optional[Dict[str, Any]]) -> Optional[str]:
        if self.model is None or TEXT in self.fake_features or self.only_e2e:
            return None  # the prediction may depend on the words themselves
        ml_only = self.supported_data() == SupportedData.ML_DATA
        states = self.featurizer.prediction_states(
            [tracker], domain, use_text_for_last_user_input=False,
            ignore_rule_only_turns=ml_only, rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ml_only)
        return json.dumps(states, sort_keys=True, ensure_ascii=False, default=list)

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        precomputations: Optional[MessageContainerForCoreFeaturization] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        key = self._state_key(tracker, domain, rule_only_data) if CACHE_SIZE > 0 else None
        if key is None:
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data=rule_only_data,
                precomputations=precomputations, **kwargs)
        found = self._predictions.get(key)
        if found is None:
            found = super().predict_action_probabilities(
                tracker, domain, rule_only_data=rule_only_data,
                precomputations=precomputations, **kwargs)
            self._predictions[key] = found
            if len(self._predictions) > CACHE_SIZE:
                self._predictions.popitem(last=False)
        else:
            self._predictions.move_to_end(key)
        return copy.deepcopy(found)  # the ensemble may change what it is given
