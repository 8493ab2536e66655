"""Response texts from domain.yml for code outside Rasa's NLG (channels answering while the
bot is paused). The content team edits domain.yml only; this reads it."""
from functools import lru_cache
from pathlib import Path

import yaml

DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"


@lru_cache(maxsize=None)
def response_text(name: str) -> str:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return responses[name][0]["text"]


@lru_cache(maxsize=None)
def response_buttons(name: str) -> list:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return list(responses[name][0].get("buttons") or [])

