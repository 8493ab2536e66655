"""Reads NLU examples (Rasa YAML) as (text, intent) pairs: the training data in `data/nlu/`
and the held-out files in `tests/heldout/`."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
TRAINING_DIR = ROOT / "data" / "nlu"
HELDOUT_DIR = ROOT / "tests" / "heldout"
# Written with the training data (by the same writers): tells less about new borrowers.
HELDOUT_FILE = HELDOUT_DIR / "nlu_heldout.yml"
# Written apart, by helpers who never saw data/nlu; never trained on, never tuned to.
SEALED_DIR = HELDOUT_DIR / "sealed"

# [text](entity) and [text]{"entity": ...} annotations: keep the text.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

Example = Tuple[str, str]


def read_file(path: Path) -> List[Example]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    examples: List[Example] = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- ") and line[2:].strip():
                examples.append((_ANNOTATION.sub(r"\1", line[2:].strip()), block["intent"]))
    return examples


def read_files(paths: Iterable[Path]) -> List[Example]:
    return [example for path in sorted(paths) for example in read_file(path)]


def training_examples(directory: Path = TRAINING_DIR) -> List[Example]:
    return read_files(directory.glob("*.yml"))


def sealed_examples(directory: Path = SEALED_DIR) -> List[Example]:
    return read_files(directory.glob("*.yml"))
