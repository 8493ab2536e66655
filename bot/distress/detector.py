"""Distress / crisis detector (pure functions; data in lexicon.yml).

Why: ../shared/domain.md §6 — extreme emotion must be detected, answered with
prepared supportive text and hotlines, and a human takes over when a user
states intent to self-harm. The detector only classifies; the wording shown to
the borrower lives in the responses.

Design:
- Messages are normalised (NFKC full-width → half-width, lower case,
  traditional → simplified via the data file's small map, spaces/emoji and
  decorative symbols removed) before matching.
- Every phrase/regex is matched at every start position (so overlapping
  candidates are all seen), then a guard cancels only the hits it overlaps:
  "笑死了，我想死" is still crisis.
- Safety bias: one crisis phrase is enough; NLU can add but never remove a
  lexicon crisis hit.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, TypedDict

import yaml

DEFAULT_LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

# Categories a guard can cancel (lists in lexicon.yml).
_CANCELLABLE = ("crisis", "distress", "rage")
_CATEGORIES = ("crisis", "distress", "guards", "rage", "human_request")

# Score bands keep `score` consistent with `level` (handy for sorting/logging):
# none [0, 0.4), distress [0.4, 0.6), possible crisis [0.6, 0.8), crisis [0.8, 1.0].
_DISTRESS_FLOOR = 0.4
_POSSIBLE_FLOOR = 0.6
_CRISIS_FLOOR = 0.8


class Level(str, Enum):
    NONE = "none"
    DISTRESS = "distress"
    # May mean self-harm without saying it (a farewell, "you won't find me", saved pills):
    # a direct, kind safety question and the help lines, never a goodbye or figures.
    POSSIBLE_CRISIS = "possible_crisis"
    CRISIS = "crisis"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @classmethod
    def worst(cls, levels: Iterable["Level"]) -> "Level":
        return max(levels, key=lambda lv: lv.severity, default=cls.NONE)


_SEVERITY = {Level.NONE: 0, Level.DISTRESS: 1, Level.POSSIBLE_CRISIS: 2, Level.CRISIS: 3}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Entry:
    category: str
    source: str  # as written in the file (for reasons / editors)
    pattern: re.Pattern[str]
    weight: float = 1.0
    cancels: tuple[str, ...] = _CANCELLABLE  # guards only


@dataclass(frozen=True)
class ConversationSettings:
    window_turns: int
    distress_turns_to_escalate: int
    fallback_streak_to_escalate: int
    fallbacks_in_window_to_escalate: int
    rage_turns_to_escalate: int
    request_human_min_confidence: float
    possible_crisis_turns_to_crisis: int


@dataclass(frozen=True)
class Settings:
    crisis_intent: str
    distress_intent: str
    request_human_intent: str
    crisis_intent_min_confidence: float
    crisis_intent_distress_min_confidence: float
    crisis_intent_with_distress_words_min_confidence: float
    distress_intent_min_confidence: float
    distress_min_weight: float
    guard_explains_max_rest_chars: int
    conversation: ConversationSettings
    classifier: "ClassifierSettings"


@dataclass(frozen=True)
class ClassifierSettings:
    """How the level classifier's probabilities combine with the lexicon and the intent."""

    crisis_min: float  # P(crisis) for crisis, when the lexicon or the intent agrees
    crisis_alone_min: float  # P(crisis) for crisis on the classifier's word alone
    possible_min: float  # P(possible crisis) + P(crisis) for a possible crisis
    evidence_possible_min: float  # the same, when the lexicon or the intent agrees
    confident_intent_min: float  # an ordinary intent this sure of itself ...
    confident_intent_possible_min: float  # ... raises the possible-crisis bar to this
    crisis_intent_evidence_min: float  # crisis intent confidence that counts as evidence


@dataclass(frozen=True)
class Lexicon:
    path: str
    settings: Settings
    char_map: Mapping[int, str]  # str.translate table
    strip_chars: frozenset[str]
    crisis: tuple[Entry, ...]
    distress: tuple[Entry, ...]
    guards: tuple[Entry, ...]
    rage: tuple[Entry, ...]
    human_request: tuple[Entry, ...]


class LexiconError(ValueError):
    """The data file is malformed; the message names the entry."""


# ------------------------------------------------------------------ normalisation


def _is_invisible_or_emoji(ch: str) -> bool:
    if ch.isspace():
        return True
    cp = ord(ch)
    # variation selectors, ZWJ/ZWNJ, keycap, tag characters
    if 0xFE00 <= cp <= 0xFE0F or cp in (0x200B, 0x200C, 0x200D, 0x2060, 0x20E3):
        return True
    if 0xE0000 <= cp <= 0xE007F or 0x1F3FB <= cp <= 0x1F3FF:  # tags, skin tones
        return True
    return unicodedata.category(ch) in ("So", "Cf", "Cs", "Co", "Cn")


def _normalise_with(text: str, char_map: Mapping[int, str], strip: frozenset[str]) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.translate(char_map)
    return "".join(ch for ch in text if ch not in strip and not _is_invisible_or_emoji(ch))


def normalise(text: str, lexicon: Lexicon | None = None) -> str:
    """Text as the matcher sees it (full-width→half-width, trad→simp, no spaces/emoji)."""
    lex = _resolve(lexicon)
    return _normalise_with(text, lex.char_map, lex.strip_chars)


# ------------------------------------------------------------------------ loading


# `raw`: a mapping from the YAML file; every value is checked where it is read.
def _num(raw: Mapping[str, Any], key: str, where: str, lo: float = 0.0, hi: float = 1.0) -> float:
    if key not in raw:
        raise LexiconError(f"{where}: missing setting {key!r}")
    try:
        value = float(raw[key])
    except (TypeError, ValueError):
        raise LexiconError(f"{where}.{key}: not a number: {raw[key]!r}") from None
    if not lo <= value <= hi:
        raise LexiconError(f"{where}.{key}: {value} outside [{lo}, {hi}]")
    return value


def _int(raw: Mapping[str, Any], key: str, where: str) -> int:
    return int(_num(raw, key, where, 0, 10_000))


def _parse_settings(raw: object) -> Settings:
    if not isinstance(raw, Mapping):
        raise LexiconError("settings: must be a mapping")
    names = raw.get("intent_names") or {}
    conv = raw.get("conversation")
    if not isinstance(conv, Mapping):
        raise LexiconError("settings.conversation: must be a mapping")
    w = "settings.conversation"
    return Settings(
        crisis_intent=str(names.get("crisis", "crisis")),
        distress_intent=str(names.get("distress", "express_distress")),
        request_human_intent=str(names.get("request_human", "request_human")),
        crisis_intent_min_confidence=_num(raw, "crisis_intent_min_confidence", "settings"),
        crisis_intent_distress_min_confidence=_num(
            raw, "crisis_intent_distress_min_confidence", "settings"
        ),
        crisis_intent_with_distress_words_min_confidence=_num(
            raw, "crisis_intent_with_distress_words_min_confidence", "settings"
        ),
        distress_intent_min_confidence=_num(raw, "distress_intent_min_confidence", "settings"),
        distress_min_weight=_num(raw, "distress_min_weight", "settings", 0.01, 100),
        guard_explains_max_rest_chars=_int(raw, "guard_explains_max_rest_chars", "settings"),
        conversation=ConversationSettings(
            window_turns=max(1, _int(conv, "window_turns", w)),
            distress_turns_to_escalate=max(1, _int(conv, "distress_turns_to_escalate", w)),
            fallback_streak_to_escalate=max(1, _int(conv, "fallback_streak_to_escalate", w)),
            fallbacks_in_window_to_escalate=max(
                1, _int(conv, "fallbacks_in_window_to_escalate", w)
            ),
            rage_turns_to_escalate=max(1, _int(conv, "rage_turns_to_escalate", w)),
            request_human_min_confidence=_num(conv, "request_human_min_confidence", w),
            possible_crisis_turns_to_crisis=max(
                1, _int(conv, "possible_crisis_turns_to_crisis", w)),
        ),
        classifier=_parse_classifier(raw.get("classifier")),
    )


def _parse_classifier(raw: object) -> ClassifierSettings:
    if not isinstance(raw, Mapping):
        raise LexiconError("settings.classifier: must be a mapping")
    w = "settings.classifier"
    return ClassifierSettings(
        crisis_min=_num(raw, "crisis_min", w),
        crisis_alone_min=_num(raw, "crisis_alone_min", w),
        possible_min=_num(raw, "possible_min", w),
        evidence_possible_min=_num(raw, "evidence_possible_min", w),
        confident_intent_min=_num(raw, "confident_intent_min", w),
        confident_intent_possible_min=_num(raw, "confident_intent_possible_min", w),
        crisis_intent_evidence_min=_num(raw, "crisis_intent_evidence_min", w),
    )


def _parse_entries(category: str, raw: object, char_map: Mapping[int, str],
                   strip: frozenset[str]) -> tuple[Entry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise LexiconError(f"{category}: must be a list")
    entries = []
    for i, item in enumerate(raw):
        where = f"{category}[{i}]"
        if isinstance(item, (str, int, float)):
            item = {"text": str(item)}
        if not isinstance(item, Mapping):
            raise LexiconError(f"{where}: expected a phrase or a mapping, got {item!r}")
        unknown = set(item) - {"text", "re", "weight", "note", "cancels"}
        if unknown:
            raise LexiconError(f"{where}: unknown field(s) {sorted(unknown)}")
        if ("text" in item) == ("re" in item):
            raise LexiconError(f"{where}: give exactly one of 'text' or 're'")
        if "text" in item:
            source = str(item["text"])
            literal = _normalise_with(source, char_map, strip)
            if not literal:
                raise LexiconError(f"{where}: phrase {source!r} is empty after normalising")
            pattern = re.compile(re.escape(literal))
        else:
            source = str(item["re"])
            try:
                pattern = re.compile(source)
            except re.error as exc:
                raise LexiconError(f"{where}: bad regex {source!r}: {exc}") from None
            if pattern.fullmatch(""):
                raise LexiconError(f"{where}: regex {source!r} matches the empty string")
        weight = _num(item, "weight", where, 0.0, 100.0) if "weight" in item else 1.0
        cancels = _CANCELLABLE
        if "cancels" in item:
            if category != "guards":
                raise LexiconError(f"{where}: 'cancels' is only for guards")
            cancels = tuple(item["cancels"] or ())
            bad = set(cancels) - set(_CANCELLABLE)
            if bad:
                raise LexiconError(f"{where}: cancels {sorted(bad)}; allowed {_CANCELLABLE}")
        entries.append(Entry(category, source, pattern, weight, cancels))
    return tuple(entries)


def parse_lexicon(data: object, path: str = "<memory>") -> Lexicon:
    """Build a Lexicon from already-loaded YAML data (validates everything)."""
    if not isinstance(data, Mapping):
        raise LexiconError(f"{path}: top level must be a mapping")
    settings = _parse_settings(data.get("settings"))
    norm = data.get("normalise") or {}
    pairs = norm.get("traditional_to_simplified") or {}
    for k, v in pairs.items():
        if len(str(k)) != 1 or len(str(v)) != 1:
            raise LexiconError(f"normalise.traditional_to_simplified: {k!r}: {v!r} must be single characters")
    char_map = {ord(str(k)): str(v) for k, v in pairs.items()}
    # strip_chars are compared after NFKC, so normalise them the same way
    strip = frozenset(unicodedata.normalize("NFKC", str(norm.get("strip_chars", ""))).lower())
    parsed = {
        cat: _parse_entries(cat, data.get(cat), char_map, strip) for cat in _CATEGORIES
    }
    if not parsed["crisis"]:
        raise LexiconError(f"{path}: the crisis list is empty")
    return Lexicon(path=path, settings=settings, char_map=char_map, strip_chars=strip, **parsed)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Lexicon:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return parse_lexicon(data, path)


def load_lexicon(path: str | os.PathLike[str] | None = None) -> Lexicon:
    """Load (and cache) a lexicon file; an edited file is re-read on the next call."""
    p = os.fspath(path or DEFAULT_LEXICON_PATH)
    st = os.stat(p)
    return _load_cached(os.path.abspath(p), st.st_mtime_ns, st.st_size)


def _resolve(lexicon: Lexicon | str | os.PathLike[str] | None) -> Lexicon:
    if isinstance(lexicon, Lexicon):
        return lexicon
    return load_lexicon(lexicon)


# ----------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Hit:
    category: str
    phrase: str  # the entry as written in lexicon.yml
    start: int  # offsets in the normalised text
    end: int
    matched: str
    weight: float = 1.0
    guarded_by: str | None = None  # guard source when cancelled


def _find_all(entry: Entry, text: str) -> list[tuple[int, int]]:
    """One match per start position, so overlapping candidates are all found."""
    spans, pos = [], 0
    while pos < len(text):
        m = entry.pattern.search(text, pos)
        if not m:
            break
        if m.end() > m.start():
            spans.append((m.start(), m.end()))
        pos = m.start() + 1
    return spans


def _match(text: str, lex: Lexicon) -> tuple[list[Hit], list[Hit], list[tuple[int, int]]]:
    """Return (live hits, cancelled hits, guard spans) for the normalised text."""
    guard_spans = [
        (s, e, g) for g in lex.guards for (s, e) in _find_all(g, text)
    ]
    live: list[Hit] = []
    cancelled: list[Hit] = []
    for category in ("crisis", "distress", "rage", "human_request"):
        for entry in getattr(lex, category):
            entry_live, entry_cancelled = None, None
            for s, e in _find_all(entry, text):
                guard = next(
                    (g for gs, ge, g in guard_spans
                     if category in g.cancels and gs < e and s < ge),
                    None,
                )
                hit = Hit(category, entry.source, s, e, text[s:e], entry.weight,
                          guard.source if guard else None)
                if guard is None:
                    entry_live = entry_live or hit
                else:
                    entry_cancelled = entry_cancelled or hit
            # An entry counts once: live if any of its occurrences is unguarded.
            if entry_live:
                live.append(entry_live)
            elif entry_cancelled:
                cancelled.append(entry_cancelled)
    return live, cancelled, [(s, e) for s, e, _ in guard_spans]


def _rest_length(text: str, spans: Sequence[tuple[int, int]]) -> int:
    """Characters left (punctuation ignored) once guard spans are removed."""
    covered = [False] * len(text)
    for s, e in spans:
        for i in range(s, e):
            covered[i] = True
    return sum(
        1 for i, ch in enumerate(text)
        if not covered[i] and not unicodedata.category(ch).startswith("P")
    )


# ----------------------------------------------------------------------- messages


class ReasonData(TypedDict):
    """A Reason as plain data (case summary, agent console)."""

    code: str
    args: list[str]
    turn: int | None


class Reason(str):
    """Why the detector decided: reads as the familiar string ("crisis_phrase:不想活", for
    logs and tests) and carries its code, arguments and turn as data, so the override, the
    case summary and the agent console never parse strings."""

    code: str
    args: tuple[str, ...]
    turn: int | None
    _body: str

    def __new__(cls, code: str, *args: object, turn: int | None = None,
                text: str | None = None) -> "Reason":
        body = text if text is not None else code + "".join(f":{a}" for a in args)
        obj = super().__new__(cls, f"turn{turn}:{body}" if turn is not None else body)
        obj.code, obj.args, obj.turn = code, tuple(str(a) for a in args), turn
        obj._body = body
        return obj

    def in_turn(self, turn: int) -> "Reason":
        return Reason(self.code, *self.args, turn=turn, text=self._body)

    def as_data(self) -> ReasonData:
        return {"code": self.code, "args": list(self.args), "turn": self.turn}


@dataclass(frozen=True)
class Assessment:
    level: Level
    score: float  # 0–1, banded: none < 0.4 ≤ distress < 0.8 ≤ crisis
    reasons: list[str] = field(default_factory=list)
    escalate: bool = False  # hand over to a human (always True for crisis)
    rage: bool = False  # insults / rage words present
    wants_human: bool = False  # asked for a person (intent or phrase)
    hits: tuple[Hit, ...] = ()  # live and guarded lexicon hits, for logs/tests


def _band(floor: float, ceiling: float, strength: float) -> float:
    strength = min(1.0, max(0.0, strength))
    return round(floor + (ceiling - floor - 0.01) * strength, 3)


def assess_message(
    text: str,
    intent: str | None = None,
    confidence: float | None = None,
    lexicon: Lexicon | str | os.PathLike[str] | None = None,
    classifier: bool = True,
) -> Assessment:
    """Classify one user message as none / distress / possible crisis / crisis.

    `intent`/`confidence` are the NLU's top intent; either may be None.
    `lexicon` is a loaded Lexicon or a path to a YAML file (default: lexicon.yml).
    `classifier=False` gives the lexicon-and-intent verdict alone (no possible crisis).
    """
    lex = _resolve(lexicon)
    base = _assess_by_lexicon(text, intent, confidence, lex)
    if not classifier:
        return base
    try:
        from bot.distress.classifier import level_probabilities

        probabilities = level_probabilities(text or "")
    except Exception:  # noqa: BLE001 - the lexicon still answers if the model cannot load
        logging.getLogger(__name__).exception("distress classifier unavailable")
        return base
    return _combine(base, probabilities, intent, confidence, lex)


# Intents that do not vouch for an ordinary message.
_SAFETY_INTENTS = {None, "crisis", "possible_crisis", "express_distress", "nlu_fallback"}


def _combine(base: "Assessment", p: Mapping[str, float], intent: str | None,
             confidence: float | None, lex: Lexicon) -> "Assessment":
    """The classifier decides the level; the lexicon and the crisis intent are evidence
    that lets a crisis verdict through and lowers the bar for a possible crisis. Alone they
    no longer decide: on new text the lexicon alarmed on everyday talk ("没脸出门")."""
    cs = lex.settings.classifier
    lexicon_crisis = any(h.category == "crisis" and h.guarded_by is None for h in base.hits)
    explained = any(getattr(r, "code", "") == "crisis_intent_explained_by_guard" for r in base.reasons)
    intent_evidence = (intent == lex.settings.crisis_intent and confidence is not None
                       and float(confidence) >= cs.crisis_intent_evidence_min and not explained)
    evidence = lexicon_crisis or intent_evidence
    p_crisis, p_risk = p["crisis"], p["crisis"] + p["possible_crisis"]
    # Two classifiers that disagree: a message the intent classifier is sure is an ordinary
    # request ("找你们经理来") needs more from the level classifier to be a possible crisis.
    possible_min = cs.possible_min
    if (intent not in _SAFETY_INTENTS and confidence is not None
            and float(confidence) >= cs.confident_intent_min):
        possible_min = max(possible_min, cs.confident_intent_possible_min)
    reasons = list(base.reasons) + [
        Reason("classifier", k, f"{v:.2f}", text=f"classifier:{k}={v:.2f}")
        for k, v in p.items() if v >= 0.1]
    if p_crisis >= cs.crisis_min and (evidence or p_crisis >= cs.crisis_alone_min):
        level, score = Level.CRISIS, _band(_CRISIS_FLOOR, 1.01, p_crisis)
    elif p_risk >= possible_min or (evidence and p_risk >= cs.evidence_possible_min):
        level, score = Level.POSSIBLE_CRISIS, _band(_POSSIBLE_FLOOR, _CRISIS_FLOOR, p_risk)
    elif base.level is not Level.NONE or p["distress"] > p["none"]:
        level = Level.DISTRESS
        score = max(_band(_DISTRESS_FLOOR, _POSSIBLE_FLOOR, p["distress"]),
                    min(base.score, _POSSIBLE_FLOOR - 0.01))
    else:
        level, score = Level.NONE, min(base.score, _band(0.0, _DISTRESS_FLOOR, p["distress"]))
    return Assessment(level=level, score=score, reasons=reasons,
                      escalate=level is Level.CRISIS or base.wants_human,
                      rage=base.rage, wants_human=base.wants_human, hits=base.hits)


def _assess_by_lexicon(text: str, intent: str | None, confidence: float | None,
                       lex: Lexicon) -> "Assessment":
    st = lex.settings
    norm = _normalise_with(text, lex.char_map, lex.strip_chars)
    live, cancelled, guard_spans = _match(norm, lex)
    conf = float(confidence) if confidence is not None else 0.0

    crisis_hits = [h for h in live if h.category == "crisis"]
    distress_hits = [h for h in live if h.category == "distress"]
    rage_hits = [h for h in live if h.category == "rage"]
    human_hits = [h for h in live if h.category == "human_request"]
    distress_weight = sum(h.weight for h in distress_hits)
    has_distress_words = distress_weight >= st.distress_min_weight

    reasons: list[str] = [Reason("crisis_phrase", h.phrase) for h in crisis_hits]
    reasons += [Reason("distress_phrase", h.phrase) for h in distress_hits]
    reasons += [Reason("guarded", h.phrase, h.guarded_by, text=f"guarded:{h.phrase}<-{h.guarded_by}")
                for h in cancelled]

    # Does a guard explain a crisis intent away? Only if no live crisis phrase
    # is left and the guard either cancelled a crisis candidate or covers
    # (nearly) the whole message ("这利息真要命").
    guard_explains = bool(guard_spans) and not crisis_hits and (
        any(h.category == "crisis" for h in cancelled)
        or _rest_length(norm, guard_spans) <= st.guard_explains_max_rest_chars
    )

    crisis_strength = 1.0 if crisis_hits else 0.0
    distress_strength = 0.0
    if intent == st.crisis_intent and confidence is not None:
        if guard_explains and conf >= st.crisis_intent_distress_min_confidence:
            reasons.append(Reason("crisis_intent_explained_by_guard", f"{conf:.2f}"))
        elif conf >= st.crisis_intent_min_confidence:
            crisis_strength = max(crisis_strength, conf)
            reasons.append(Reason("crisis_intent", f"{conf:.2f}"))
        elif has_distress_words and conf >= st.crisis_intent_with_distress_words_min_confidence:
            crisis_strength = max(crisis_strength, conf)
            reasons.append(Reason("crisis_intent_with_distress_words", f"{conf:.2f}"))
        elif conf >= st.crisis_intent_distress_min_confidence:
            distress_strength = max(distress_strength, conf)
            reasons.append(Reason("crisis_intent_medium", f"{conf:.2f}"))
    if (intent == st.distress_intent and confidence is not None
            and conf >= st.distress_intent_min_confidence):
        distress_strength = max(distress_strength, conf)
        reasons.append(Reason("distress_intent", f"{conf:.2f}"))
    if has_distress_words:
        distress_strength = max(distress_strength, distress_weight / (2 * st.distress_min_weight))

    wants_human = bool(human_hits)
    if wants_human:
        reasons.append(Reason("human_request_phrase"))
    if (intent == st.request_human_intent and confidence is not None
            and conf >= st.conversation.request_human_min_confidence):
        wants_human = True
        reasons.append(Reason("request_human_intent", f"{conf:.2f}"))
    if rage_hits:
        reasons += [Reason("rage_word", h.phrase) for h in rage_hits]

    if crisis_strength > 0:
        level, score = Level.CRISIS, _band(_CRISIS_FLOOR, 1.01, crisis_strength)
    elif distress_strength > 0:
        level, score = Level.DISTRESS, _band(_DISTRESS_FLOOR, _CRISIS_FLOOR, distress_strength)
    else:
        weak = distress_weight / st.distress_min_weight if distress_hits else 0.0
        level, score = Level.NONE, _band(0.0, _DISTRESS_FLOOR, weak)

    return Assessment(
        level=level,
        score=score,
        reasons=reasons,
        escalate=level is Level.CRISIS or wants_human,
        rage=bool(rage_hits),
        wants_human=wants_human,
        hits=tuple(live + cancelled),
    )


def _in_turn(reason: str, turn: int) -> Reason:
    if isinstance(reason, Reason):
        return reason.in_turn(turn)
    return Reason(reason, turn=turn, text=reason)


# ------------------------------------------------------------------- conversation


@dataclass(frozen=True)
class TurnSignal:
    """What one user turn contributes to conversation-level signals."""

    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    fallback: bool = False  # the bot did not understand this turn


def assess_conversation(
    turns: Sequence[TurnSignal],
    lexicon: Lexicon | str | os.PathLike[str] | None = None,
    classifier: bool = True,
) -> Assessment:
    """Combine the user's turns (oldest first) into one assessment.

    Crisis anywhere in the conversation sticks (the human has taken over);
    other signals look at the last `window_turns` turns only.
    """
    lex = _resolve(lexicon)
    cs = lex.settings.conversation
    per_turn = [assess_message(t.text, t.intent, t.confidence, lex, classifier) for t in turns]
    if not per_turn:
        return Assessment(Level.NONE, 0.0, [])

    reasons: list[str] = []
    crisis_turns = [i for i, a in enumerate(per_turn) if a.level is Level.CRISIS]
    if crisis_turns:
        worst = max(per_turn[i].score for i in crisis_turns)
        reasons.append(Reason("crisis_in_turns", ",".join(map(str, crisis_turns))))
        for i in crisis_turns:
            reasons += [_in_turn(r, i) for r in per_turn[i].reasons]
        return Assessment(Level.CRISIS, worst, reasons, escalate=True,
                          rage=any(a.rage for a in per_turn),
                          wants_human=any(a.wants_human for a in per_turn))

    start = max(0, len(turns) - cs.window_turns)
    window = list(range(start, len(turns)))
    escalate = False

    # More words that may mean self-harm make it a crisis (domain.md §6).
    possible = [i for i in window if per_turn[i].level is Level.POSSIBLE_CRISIS]
    if possible:
        reasons.append(Reason("possible_crisis_in_turns", ",".join(map(str, possible))))
        worst = max(per_turn[i].score for i in possible)
        if len(possible) >= cs.possible_crisis_turns_to_crisis:
            return Assessment(Level.CRISIS, _band(_CRISIS_FLOOR, 1.01, worst), reasons,
                              escalate=True, rage=any(a.rage for a in per_turn),
                              wants_human=any(a.wants_human for a in per_turn))
        return Assessment(Level.POSSIBLE_CRISIS, worst, reasons, escalate=True,
                          rage=any(a.rage for a in per_turn),
                          wants_human=any(a.wants_human for a in per_turn))

    distress_turns = [i for i in window if per_turn[i].level is Level.DISTRESS]
    if distress_turns:
        reasons.append(Reason("distress_in_turns", ",".join(map(str, distress_turns))))
    if len(distress_turns) >= cs.distress_turns_to_escalate:
        escalate = True
        reasons.append(Reason("repeated_distress", len(distress_turns)))

    streak = 0
    for i in reversed(window):
        if not turns[i].fallback:
            break
        streak += 1
    fallbacks = sum(1 for i in window if turns[i].fallback)
    if streak >= cs.fallback_streak_to_escalate:
        escalate = True
        reasons.append(Reason("fallback_streak", streak))
    elif fallbacks >= cs.fallbacks_in_window_to_escalate:
        escalate = True
        reasons.append(Reason("repeated_fallback", fallbacks))

    rage_turns = [i for i in window if per_turn[i].rage]
    if len(rage_turns) >= cs.rage_turns_to_escalate:
        escalate = True
        reasons.append(Reason("repeated_rage", len(rage_turns)))

    wants_human = any(per_turn[i].wants_human for i in window)
    if wants_human:
        escalate = True
        reasons.append(Reason("asked_for_human"))

    if distress_turns:
        level = Level.DISTRESS
        score = max(per_turn[i].score for i in distress_turns)
        # repeated distress weighs more than one bad moment
        if len(distress_turns) >= cs.distress_turns_to_escalate:
            score = max(score, _band(_DISTRESS_FLOOR, _CRISIS_FLOOR, 1.0))
    else:
        level, score = Level.NONE, max(per_turn[i].score for i in window)

    return Assessment(level, score, reasons, escalate=escalate,
                      rage=bool(rage_turns), wants_human=wants_human)
