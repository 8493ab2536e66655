"""Speed fixes to Rasa 3.6 internals that change no behaviour, applied once per process by
`apply()`, called when our TED policy is built, so every Rasa process that serves or trains
the model has them.

- Every custom-action answer was checked with `jsonschema.validate`, which first validates
  Rasa's large event schema against the JSON-Schema metaschema: about half of a turn's CPU.
  The schema is fixed, so it is checked once and the compiled validator kept; each answer is
  still validated in full, with the same error.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional

_applied = False
_lock = threading.Lock()


def apply() -> None:
    global _applied
    with _lock:
        if _applied:
            return
        _patch_action_result_validation()
        _applied = True


def _patch_action_result_validation() -> None:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    compiled: Dict[str, Any] = {}

    def validator() -> Any:
        found: Optional[Any] = compiled.get("validator")
        if found is None:
            schema = RemoteAction.action_response_format_spec()
            cls = validator_for(schema)
            cls.check_schema(schema)
            found = compiled["validator"] = cls(schema)
        return found

    def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
        error: Optional[ValidationError] = best_match(validator().iter_errors(result))
        if error is not None:  # as Rasa's own message says
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about the "
                f"format visit {DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result
