"""Scams and fears (domain.md §3–§5): which answer a borrower's words need.

Pure functions over `topics.yml`: `is_scam` (a scam marker anywhere in the message),
`already_done` (they already paid or shared a code) and `fear_topics` (prison, court,
travel, family, contacts, night calls). The NLU override uses `is_scam` so that a scam
message never fills a slot; the actions pick their answers with the rest.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

import yaml

TOPICS_PATH = Path(__file__).with_name("topics.yml")
FEAR_TOPICS = ("prison", "court", "travel", "family", "contacts", "night")


@dataclass(frozen=True)
class Topics:
    scam_markers: Tuple[re.Pattern, ...]
    already_done: Tuple[re.Pattern, ...]
    fears: Tuple[Tuple[str, Tuple[str, ...]], ...]


def _pattern(entry) -> re.Pattern:
    if isinstance(entry, dict) and "re" in entry:
        return re.compile(str(entry["re"]))
    return re.compile(re.escape(_normalise(str(entry))))


def _normalise(text: str) -> str:
    from bot.classify.text import normalise_script

    text = normalise_script(unicodedata.normalize("NFKC", text or "").lower())
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=2)
def load_topics(path: str = str(TOPICS_PATH)) -> Topics:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    scam = data.get("scam") or {}
    fears = data.get("fears") or {}
    unknown = set(fears) - set(FEAR_TOPICS)
    if unknown:
        raise ValueError(f"{path}: unknown fear topics {sorted(unknown)}; use {FEAR_TOPICS}")
    return Topics(
        scam_markers=tuple(_pattern(e) for e in scam.get("markers") or []),
        already_done=tuple(_pattern(e) for e in scam.get("already_done") or []),
        fears=tuple((topic, tuple(_normalise(w) for w in fears.get(topic) or []))
                    for topic in FEAR_TOPICS),
    )


def is_scam(text: str) -> bool:
    norm = _normalise(text)
    return any(p.search(norm) for p in load_topics().scam_markers)


def already_done(text: str) -> bool:
    norm = _normalise(text)
    return any(p.search(norm) for p in load_topics().already_done)


def fear_topics(text: str) -> List[str]:
    norm = _normalise(text)
    return [topic for topic, words in load_topics().fears if any(w in norm for w in words)]
