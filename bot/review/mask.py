"""Mask personal data in a borrower message before it is stored for review.

    mask("我叫王小明，手机 138 1234 5678") == "我叫【姓名】，手机 【手机号】"

The word lists (placeholders, cues, surnames, address parts) live in mask_rules.yml
next to this file; the rules that use them:

Numbers (after full-width digits are folded and Chinese digit readings 一二三…幺〇 are
read as digits). A "run" is digits with at most 3 spaces/dashes between groups; a run is
split into the longest numbers it holds, left to right:
  mobile     11 digits 1[3-9]…, optionally +86 / 0086 / 86 in front; groups of 3+ digits
             (138 1234 5678, 138-1234-5678) or one digit at a time (1 3 8 …).
  landline   0 + area code + number, 10-12 digits (010-12345678, 0755 1234567); a 7-8
             digit number only right after a phone cue (电话 / 座机 …).
  ID card    18 characters with a plausible birth date, last one may be X;
             15 digits (old IDs) with a plausible YYMMDD.
  bank card  12-19 digits, not starting with 0; when grouped, groups of 3-6 digits (or
             6 + the rest), never a list of round amounts (3000 5000 8000), never followed
             by 元/块/万/% or after ¥.
  20+ digits masked as a generic number (contract / account numbers).
Everything shorter stays: amounts (3000元, 两千, 1.5万), dates (2026-12-01, 15号), 12期,
逾期30天, percentages, card tails (尾号6621), hotlines are too short or start with 2/4/9.

E-mail: the usual local@domain.tld.
Names: 2-3 characters after a strong cue (我叫 / 姓名 / 名字叫); after a weak cue (我是 /
本人) only when they start with a common surname and are not a known non-name
(我是江苏的, 我是高中生); the surname in 王先生 / 李女士 forms; the surname after 我姓.
Addresses: after a cue (住在 / 地址 / 家住) the clause up to its last address part; without
a cue, two or more address parts in a row (北京市朝阳区, 3号楼2单元501室).

Masking is done on the text in passes (e-mail, numbers, names, addresses); each masked span
becomes a private-use sentinel first so later passes never match inside a placeholder.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

__all__ = ["mask", "rules", "PLACEHOLDERS"]

RULES_FILE = Path(__file__).with_name("mask_rules.yml")

_SENTINEL_BASE = 0xE000  # private use area: never in a borrower message we keep
_CJK = "\u4e00-\u9fff"


@lru_cache(maxsize=1)
def rules() -> dict:
    with RULES_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _placeholders() -> Dict[str, str]:
    return dict(rules()["placeholders"])


PLACEHOLDERS = _placeholders()
_KINDS = list(PLACEHOLDERS)
_SENTINEL = {kind: chr(_SENTINEL_BASE + i) for i, kind in enumerate(_KINDS)}
_SENTINEL_TO_TEXT = {s: PLACEHOLDERS[k] for k, s in _SENTINEL.items()}
_SENTINEL_CHARS = "".join(_SENTINEL.values())


def _fold_char(ch: str) -> str:
    """Full-width ASCII -> ASCII, ideographic space -> space (length preserving)."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if ch == "\u3000":
        return " "
    return ch


class _Text:
    """The original text and its width-folded twin, edited together."""

    def __init__(self, text: str):
        self.orig = text
        self.folded = "".join(_fold_char(c) for c in text)

    def replace(self, spans: Iterable[Tuple[int, int, str]]) -> None:
        """Replace non-overlapping (start, end, kind) spans by the kind's sentinel."""
        taken: List[Tuple[int, int, str]] = []
        for start, end, kind in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
            if start >= end or (taken and start < taken[-1][1]):
                continue
            taken.append((start, end, kind))
        for start, end, kind in reversed(taken):
            s = _SENTINEL[kind]
            self.orig = self.orig[:start] + s + self.orig[end:]
            self.folded = self.folded[:start] + s + self.folded[end:]

    def result(self) -> str:
        return "".join(_SENTINEL_TO_TEXT.get(c, c) for c in self.orig)


# ------------------------------------------------------------------------------ e-mail

_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


def _emails(t: _Text) -> List[Tuple[int, int, str]]:
    return [(m.start(), m.end(), "email") for m in _EMAIL.finditer(t.folded)]


# ----------------------------------------------------------------------------- numbers

# Plausible birth dates inside ID numbers.
_ID18 = re.compile(
    r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]"
)
_ID15 = re.compile(r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
_MAX_SEPARATORS = 3  # "138 - 1234 - 5678" still one number; more spaces end it


def _digit_map() -> Dict[str, str]:
    table = {str(d): str(d) for d in range(10)}
    for ch, value in rules()["numbers"]["chinese_digits"].items():
        table[str(ch)] = str(value)
    return table


class _Group:
    __slots__ = ("start", "end", "digits")

    def __init__(self, start: int, end: int, digits: str):
        self.start, self.end, self.digits = start, end, digits


def _runs(folded: str) -> List[List[_Group]]:
    """Digit runs: lists of groups separated by at most _MAX_SEPARATORS separators."""
    digit = _digit_map()
    seps = set(rules()["numbers"]["separators"])
    runs: List[List[_Group]] = []
    i, n = 0, len(folded)
    while i < n:
        if folded[i] not in digit:
            i += 1
            continue
        run: List[_Group] = []
        while True:
            start = i
            digits = []
            while i < n and folded[i] in digit:
                digits.append(digit[folded[i]])
                i += 1
            # An ID card's check character X ends the run when nothing alphanumeric follows.
            if i < n and folded[i] in "Xx" and not (i + 1 < n and folded[i + 1].isalnum()
                                                   and folded[i + 1].isascii()):
                digits.append("X")
                i += 1
                run.append(_Group(start, i, "".join(digits)))
                break
            run.append(_Group(start, i, "".join(digits)))
            j = i
            while j < n and j - i < _MAX_SEPARATORS and folded[j] in seps:
                j += 1
            if j > i and j < n and folded[j] in digit:
                i = j
                continue
            break
        runs.append(run)
    return runs


def _round_amounts(groups: Sequence[_Group]) -> bool:
    return len(groups) > 1 and all(g.digits.endswith("00") for g in groups)


def _amount_context(folded: str, start: int, end: int) -> bool:
    """Followed by 元/块/万/%… or preceded by a currency sign: an amount."""
    units = rules()["numbers"]["amount_units"]
    after = folded[end:end + 3].lstrip()
    before = folded[max(0, start - 2):start].rstrip()
    return any(after.startswith(u) for u in units) or before.endswith(("¥", "￥", "$", "RMB"))


def _phone_cue_before(folded: str, start: int) -> bool:
    window = folded[max(0, start - 8):start]
    return any(cue in window for cue in rules()["numbers"]["phone_cues"])


def _classify(folded: str, groups: Sequence[_Group]) -> Optional[str]:
    digits = "".join(g.digits for g in groups)
    lens = [len(g.digits) for g in groups]
    grouped = len(groups) > 1
    start, end = groups[0].start, groups[-1].end
    if digits.endswith("X"):
        # Only an ID card ends in X.
        return "id_card" if _ID18.fullmatch(digits) else None

    # Mobile, with or without the country code (+86 138…, 0086 138…, 86-138…).
    body, body_lens = digits, lens
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and _MOBILE.fullmatch(digits[len(prefix):]):
            plus = start > 0 and folded[start - 1] == "+"
            own_group = grouped and lens[0] == len(prefix)
            if plus or own_group or prefix == "0086":
                body = digits[len(prefix):]
                body_lens = lens[1:] if own_group else [len(body)]
            break
    if _MOBILE.fullmatch(body):
        if not grouped or all(n >= 3 for n in body_lens) or all(n == 1 for n in body_lens):
            return "mobile"

    if _LANDLINE.fullmatch(digits) and (not grouped or 3 <= lens[0] <= 4):
        return "landline"
    if len(digits) == 18 and _ID18.fullmatch(digits):
        return "id_card"
    if len(digits) == 15 and _ID15.fullmatch(digits):
        return "id_card"
    if 12 <= len(digits) <= 19 and digits[0] != "0":
        if _amount_context(folded, start, end) or _round_amounts(groups):
            return None
        if not grouped:
            return "bank_card"
        if lens[0] == 6 and len(lens) == 2:  # 622202 1234567890123
            return "bank_card"
        if all(3 <= n <= 6 for n in lens[:-1]) and 1 <= lens[-1] <= 6:
            return "bank_card"
        return None
    if len(digits) >= 20 and not grouped:
        return "long_number"
    if 7 <= len(digits) <= 8 and digits[0] != "0" and _phone_cue_before(folded, start):
        if not grouped or all(n >= 3 for n in lens):
            return "landline"
    return None


def _numbers(t: _Text) -> List[Tuple[int, int, str]]:
    spans = []
    for run in _runs(t.folded):
        i = 0
        while i < len(run):
            # Longest number first from each group: a 16-digit card is never read as an
            # 11-digit phone plus leftovers.
            for j in range(len(run), i, -1):
                kind = _classify(t.folded, run[i:j])
                if kind:
                    start = run[i].start
                    if start > 0 and t.folded[start - 1] == "+" and kind == "mobile":
                        start -= 1
                    spans.append((start, run[j - 1].end, kind))
                    i = j
                    break
            else:
                i += 1
    return spans


# ------------------------------------------------------------------------------- names

def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _surname_at(text: str, pos: int) -> int:
    """Length of the common surname starting at pos (compound first), else 0."""
    for s in sorted(rules()["names"]["surnames"], key=len, reverse=True):
        if text.startswith(s, pos):
            return len(s)
    return 0


def _starts_with_any(text: str, pos: int, words: Iterable[str]) -> bool:
    return any(text.startswith(w, pos) for w in words)


def _boundary(text: str, pos: int) -> bool:
    """End of a name: end of text, not a Chinese character, or a stop word."""
    if pos >= len(text) or not _is_han(text[pos]):
        return True
    names = rules()["names"]
    return _starts_with_any(text, pos, names["stop_prefixes"]) or _starts_with_any(
        text, pos, names["honorifics"])


def _name_after(text: str, pos: int, weak: bool) -> Optional[int]:
    """End of a 2-3 character name starting at pos, or None."""
    names = rules()["names"]
    stops = names["stop_prefixes"]
    if pos >= len(text) or not _is_han(text[pos]) or _starts_with_any(text, pos, stops):
        return None
    surname = _surname_at(text, pos)
    if weak and (not surname or _starts_with_any(text, pos, names["not_names"])):
        return None
    longest = 4 if surname == 2 else 3
    end = pos
    while end < len(text) and end - pos < longest and _is_han(text[end]):
        if end > pos and _starts_with_any(text, end, stops):
            break
        end += 1
    if end - pos < 2:
        return None
    if weak:
        # "我是张三李四…" is not a name: after a weak cue the name must end cleanly.
        while end - pos >= 2 and not _boundary(text, end):
            end -= 1
        if end - pos < 2 or text[end - 1] in names["not_name_endings"]:
            return None
    return end


@lru_cache(maxsize=1)
def _name_patterns():
    names = rules()["names"]
    return (
        re.compile(f"(?:{_alternation(names['strong_cues'])})[:：\\s]*"),
        re.compile(f"(?:{_alternation(names['weak_cues'])})[:：\\s]*"),
        re.compile(f"(?:{_alternation(names['surname_cues'])})"),
        re.compile(f"(?:{_alternation(names['surnames'])})(?:[{_CJK}])?"
                   f"(?={_alternation(names['honorifics'])})"),
    )


def _names(t: _Text) -> List[Tuple[int, int, str]]:
    text = t.folded
    strong, weak, surname_cue, honorific = _name_patterns()
    not_names = rules()["names"]["not_names"]
    spans = []
    for pattern, is_weak in ((strong, False), (weak, True)):
        for m in pattern.finditer(text):
            end = _name_after(text, m.end(), weak=is_weak)
            if end:
                spans.append((m.end(), end, "name"))
    for m in surname_cue.finditer(text):
        n = _surname_at(text, m.end())
        if n and _boundary(text, m.end() + n):
            spans.append((m.end(), m.end() + n, "name"))
    for m in honorific.finditer(text):
        if _starts_with_any(text, m.start(), not_names):
            continue
        spans.append((m.start(), m.end(), "name"))
    return spans


# --------------------------------------------------------------------------- addresses

@lru_cache(maxsize=1)
def _address_patterns():
    addr = rules()["addresses"]
    place = f"[{_CJK}]"
    bad = re.escape(addr["not_place_chars"])
    place = f"(?:(?![{bad}]){place})"
    numeral = r"(?:[0-9]+(?:-[0-9]+)?|[A-Za-z]|[零〇一二两三四五六七八九十百]+)"
    region = f"{place}{{1,6}}?(?:{_alternation(addr['region_suffixes'])})"
    number = f"{numeral}(?:{_alternation(addr['number_suffixes'])})"
    part = re.compile(f"(?P<region>{region})|(?P<number>{number})")
    cue = re.compile(f"(?:{_alternation(addr['cues'])})[:：\\s]*")
    return part, cue


_CLAUSE_END = re.compile(f"[，,。.！!？?；;、\\n\\r{_SENTINEL_CHARS}]")
_CLAUSE_MAX = 50


def _address_parts(text: str, start: int, end: int):
    part, _ = _address_patterns()
    return list(part.finditer(text, start, end))


def _addresses(t: _Text) -> List[Tuple[int, int, str]]:
    text = t.folded
    part, cue = _address_patterns()
    spans = []
    # With a cue: from the cue to the last address part of the clause.
    for m in cue.finditer(text):
        stop = _CLAUSE_END.search(text, m.end())
        clause_end = min(stop.start() if stop else len(text), m.end() + _CLAUSE_MAX)
        parts = _address_parts(text, m.end(), clause_end)
        if parts:
            spans.append((m.end(), parts[-1].end(), "address"))
    # Without a cue: address parts in a row (only spaces/dashes between them).
    parts = _address_parts(text, 0, len(text))
    chain: List[re.Match] = []

    def close():
        regions = sum(1 for p in chain if p.group("region"))
        buildings = [p for p in chain if p.group("number") and not re.search(
            r"[0-9零〇一二两三四五六七八九十百A-Za-z]号$", p.group(0))]
        # "3号5号" are dates; a chain needs a region part or a building part (栋/单元/室…).
        if len(chain) >= 2 and (regions or buildings):
            spans.append((chain[0].start(), chain[-1].end(), "address"))

    for p in parts:
        if chain and not re.fullmatch(r"[ \-]*", text[chain[-1].end():p.start()]):
            close()
            chain = []
        chain.append(p)
    if chain:
        close()
    return spans


# --------------------------------------------------------------------------------- API

_PASSES: Sequence[Callable[[_Text], List[Tuple[int, int, str]]]] = (
    _emails, _numbers, _names, _addresses,
)


def mask(text: Optional[str]) -> str:
    """The text with personal data replaced by placeholders (see the module doc)."""
    if not text:
        return text or ""
    # A borrower cannot smuggle our sentinels in (they would become placeholders).
    text = "".join(" " if _SENTINEL_BASE <= ord(c) < _SENTINEL_BASE + len(_KINDS) else c
                   for c in text)
    t = _Text(text)
    for find in _PASSES:
        spans = find(t)
        if spans:
            t.replace(spans)
    return t.result()
