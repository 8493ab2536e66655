"""Recognise the borrower's situation(s) from the intent and their words (data in situations.yml)."""
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

_FILE = Path(__file__).with_name("situations.yml")


@lru_cache(maxsize=1)
def _config() -> Dict:
    return yaml.safe_load(_FILE.read_text(encoding="utf-8"))


def situation_for(intent: Optional[str], text: str) -> Optional[str]:
    rule = _config()["intents"].get(intent or "")
    if not rule:
        return None
    for name, words in (rule.get("refine") or {}).items():
        if any(word in (text or "") for word in words):
            return name
    return rule["default"]


def remember(known: Optional[List[str]], situation: Optional[str]) -> List[str]:
    """The situations slot holds several; the newest last, no repeats."""
    known = [s for s in (known or []) if s != situation]
    return known + [situation] if situation else known


def offer_for(situation: str) -> Optional[str]:
    return _config()["offers"].get(situation)
