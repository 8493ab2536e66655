"""What the classifiers read: one normalised form of a borrower's message, and the word,
character and pinyin features built from it.

Why each step (borrowers we have not met write like this):
- NFKC and lower case: full-width digits and letters from phone keyboards.
- OpenCC traditional → simplified: borrowers in Hong Kong, Taiwan and Guangdong.
- `variants.yml`: pinyin initials (hb, yq), Cantonese written words (冇, 點算)
  and speech-input mistakes (正信 for 征信), editable by the content team.
- Pinyin syllables (tones dropped): voice input writes the right sound with the wrong
  character, so 征信 and 正信 share "zheng xin".
- Digits collapse to one symbol: "800" and "1500" mean the same thing to an intent.

Used by our intent classifier (`bot.nlu.linear_intent`) and the distress-level classifier
(`bot.distress.classifier`); the plain baseline in `bot.classify.baseline` uses none of it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

DICTIONARY_DIR = Path(__file__).resolve().parents[1] / "nlu" / "dictionary"
VARIANTS_PATH = Path(__file__).with_name("variants.yml")

_LATIN_WORD = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _opencc():
    from opencc import OpenCC  # opencc-python-reimplemented

    return OpenCC("t2s")


@lru_cache(maxsize=4)
def _variants(path: str = str(VARIANTS_PATH)) -> Tuple[Dict[str, str], List[Tuple[str, str]]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    initials = {str(k).lower(): str(v) for k, v in (data.get("pinyin_initials") or {}).items()}
    # Cantonese and misheard words are substrings: longest first, so 系唔系 wins over 唔.
    words: Dict[str, str] = {}
    for section in ("cantonese", "misheard"):
        for k, v in (data.get(section) or {}).items():
            words[_opencc().convert(str(k))] = str(v)
    ordered = sorted(words.items(), key=lambda kv: -len(kv[0]))
    return initials, ordered


@lru_cache(maxsize=1)
def jieba_tokenizer():
    """jieba with our finance dictionary (the same folder the JiebaTokenizer loads)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    for path in sorted(DICTIONARY_DIR.glob("*.txt")):
        tokenizer.load_userdict(str(path))
    return tokenizer


@lru_cache(maxsize=8192)
def normalise_script(text: str) -> str:
    """Full-width → half-width, lower case, simplified characters, variants → common words;
    digits kept (the scam and fear rules read amounts)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _opencc().convert(text)
    initials, words = _variants()
    text = _LATIN_WORD.sub(lambda m: initials.get(m.group(0), m.group(0)), text)
    for variant, word in words:
        if variant in text:
            text = text.replace(variant, word)
    return text


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """The one form every classifier of ours reads: digits collapse to one symbol."""
    text = _DIGITS.sub("0", normalise_script(text))
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> List[str]:
    """jieba tokens of the normalised text, spaces dropped."""
    return [w for w in jieba_tokenizer().lcut(normalise(text)) if w.strip()]


@lru_cache(maxsize=8192)
def pinyin(text: str) -> List[str]:
    """Toneless pinyin syllables of the Chinese characters; other characters are dropped."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(normalise(text), style=Style.NORMAL, errors="ignore")
    return [s for s in syllables if s.isalpha()]


def word_analyzer(text: str) -> List[str]:
    """Word 1–2-grams (scikit-learn analyzer)."""
    tokens = words(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def pinyin_analyzer(text: str) -> List[str]:
    """Pinyin syllable 1–2-grams: the sound of the words, whatever characters were typed."""
    syl = pinyin(text)
    return [f"py:{s}" for s in syl] + [f"py:{a}_{b}" for a, b in zip(syl, syl[1:])]


def char_analyzer(text: str, lo: int = 1, hi: int = 4) -> List[str]:
    """Character 1–4-grams of the normalised text, spaces removed."""
    t = normalise(text).replace(" ", "")
    return [t[i:i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]


def build_vectorizer():
    """The feature union our classifiers share: words, characters and sounds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True, min_df=1)),
        ("chars", TfidfVectorizer(analyzer=char_analyzer, sublinear_tf=True, min_df=1)),
        ("pinyin", TfidfVectorizer(analyzer=pinyin_analyzer, sublinear_tf=True, min_df=1)),
    ])
