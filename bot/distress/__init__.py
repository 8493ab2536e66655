"""Distress / crisis detection (domain.md §6). Data: lexicon.yml next to this file."""

from .detector import (
    Assessment,
    Hit,
    Level,
    Lexicon,
    LexiconError,
    TurnSignal,
    assess_conversation,
    assess_message,
    load_lexicon,
    normalise,
)

__all__ = [
    "Assessment",
    "Hit",
    "Level",
    "Lexicon",
    "LexiconError",
    "TurnSignal",
    "assess_conversation",
    "assess_message",
    "load_lexicon",
    "normalise",
]
