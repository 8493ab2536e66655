"""The distress-level classifier: none / distress / possible crisis / crisis, learned from the
labelled sentences in `data/distress/` (written by several writers, each with a borrower of
their own; at least half of none and distress are hard negatives: "笑死", "要命", "解脱" after
paying off, quotes, films).

Why a classifier beside the lexicon: the lexicon matched the sentences it was tuned on and
missed half of new indirect wordings (a letter to the children, "明天就找不到我了"), while
alarming on everyday exaggeration. The model reads the same normalised text and features as
the intent classifier (`bot.classify`); `bot.distress.detector` combines its probabilities
with the lexicon and the NLU intent.

Ordinary messages teach it what "none" looks like: the intent examples in `data/nlu/` join
the corpus, every intent as none except express_distress (distress) and crisis (crisis:
leaving them out missed "对不起家人 先走了" on the held-out file). Without them a plain "你好啊" or "就这样吧 拜拜"
looked like a farewell with finality.

The model trains in a few seconds on first use and is kept under `var/cache/`, named after
a hash of the corpus and the code, so every process of a deployment reads the same model.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.classify import text as text_features
from bot.classify.linear import LinearTextModel

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = ROOT / "data" / "distress"
NLU_DIR = ROOT / "data" / "nlu"
# What each intent's examples teach the level model; intents not listed are "none".
_INTENT_LEVELS = {"express_distress": "distress", "crisis": "crisis"}
LEVELS = ("none", "distress", "possible_crisis", "crisis")
_LOCK = threading.Lock()


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file and the item."""


def read_corpus(directory: Path = CORPUS_DIR) -> List[Tuple[str, str]]:
    items: List[Tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, item in enumerate(data.get("items") or []):
            level, text = item.get("level"), str(item.get("text") or "").strip()
            if level not in LEVELS or not text:
                raise CorpusError(f"{path.name} item {i + 1}: level must be one of "
                                  f"{', '.join(LEVELS)} and text must not be empty")
            items.append((text, level))
    return items


def ordinary_examples(directory: Path = NLU_DIR) -> List[Tuple[str, str]]:
    from bot.classify.examples import training_examples

    levels = [(text, _INTENT_LEVELS.get(intent, "none"))
              for text, intent in training_examples(directory)]
    return [(text, level) for text, level in levels if level is not None]


def training_items(directory: Path = CORPUS_DIR) -> List[Tuple[str, str]]:
    return read_corpus(directory) + ordinary_examples()


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    sources = sorted(directory.glob("*.yml")) + sorted(NLU_DIR.glob("*.yml")) + [
        Path(text_features.__file__), text_features.VARIANTS_PATH, Path(__file__),
        Path(__file__).resolve().parents[1] / "classify" / "linear.py"]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(os.environ.get("BOT_CACHE_DIR") or ROOT / "var" / "cache")


@lru_cache(maxsize=2)
def level_model(directory: str = str(CORPUS_DIR)) -> LinearTextModel:
    """The trained model for this corpus: from the cache, or trained now and cached."""
    corpus_dir = Path(directory)
    with _LOCK:
        target = _cache_dir() / f"distress-{_fingerprint(corpus_dir)}"
        if (target / "text_model.json").exists():
            try:
                return LinearTextModel.load(target)
            except (OSError, ValueError, KeyError):
                logger.warning("distress model cache %s unreadable; retraining", target)
        items = training_items(corpus_dir)
        model = LinearTextModel().fit([t for t, _ in items], [lv for _, lv in items])
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        try:
            model.save(tmp)
            os.replace(tmp, target)  # atomic: another process reads all of it or nothing
        except OSError:  # a read-only deployment still works, it just retrains per process
            if not (target / "text_model.json").exists():  # else another process cached it first
                logger.warning("could not cache the distress model in %s", target)
            shutil.rmtree(tmp, ignore_errors=True)
        return model


def level_probabilities(text: str) -> Dict[str, float]:
    model = level_model()
    row = model.probabilities([text])[0]
    return {level: float(row[model.classes.index(level)]) for level in LEVELS}
