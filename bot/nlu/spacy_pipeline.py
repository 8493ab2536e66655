"""spaCy pipeline for borrower messages: jieba segmentation + finance spans.

Pipeline (built once per process, see `get_nlp`):
  tokenizer      spaCy's Chinese tokenizer in jieba mode. jieba keeps ONE global
                 dictionary, which Rasa's JiebaTokenizer also uses; we load the same
                 files (bot/nlu/dictionary/*, the folder config.yml names) so both see
                 identical segmentation.
  entity_ruler   finance terms from bot/nlu/patterns.jsonl (labels PRODUCT, PLAN,
                 CHARGE, CREDIT, COLLECTION, DEBT_SPIRAL, DUE_DATE) into `doc.ents`.
  finance_values amount / months / days / date spans into `doc.spans["finance"]`;
                 the regex scanning and normalisation live in `bot.nlu.normalise`
                 (one source of truth), each span carries its `Entity` in
                 `span._.finance` and whether its exact characters line up with jieba
                 tokens in `span._.aligned` (Rasa drops training annotations that do
                 not).

"today" is per call: `analyse(text, today)` puts it in `doc.user_data["today"]`.
"""
# no `from __future__ import annotations`: spaCy resolves factory signatures at runtime
import logging
import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple, cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span

from bot import clock
from bot.nlu import normalise
from bot.nlu.normalise import Entity

logger = logging.getLogger(__name__)

NLU_DIR = Path(__file__).resolve().parent
DICTIONARY_DIR = NLU_DIR / "dictionary"
PATTERNS_FILE = NLU_DIR / "patterns.jsonl"
SPAN_KEY = "finance"
TERM_LABELS = ("PRODUCT", "PLAN", "CHARGE", "CREDIT", "COLLECTION", "DEBT_SPIRAL", "DUE_DATE")

_dict_lock = threading.Lock()
_loaded_dicts: Dict[Path, float] = {}

if not Span.has_extension("finance"):
    Span.set_extension("finance", default=None)
if not Span.has_extension("aligned"):
    Span.set_extension("aligned", default=None)


def dictionary_files(directory: Path = DICTIONARY_DIR) -> List[Path]:
    """The files Rasa's JiebaTokenizer loads from `dictionary_path` (every file)."""
    return sorted(p for p in directory.glob("*") if p.is_file())


def load_user_dictionary(directory: Path = DICTIONARY_DIR) -> List[Path]:
    """Load every user dictionary file into jieba's global state, once per file
    version (reloading is harmless: jieba.add_word just sets the same frequency)."""
    import jieba

    files = dictionary_files(directory)
    with _dict_lock:
        for path in files:
            mtime = path.stat().st_mtime
            if _loaded_dicts.get(path) == mtime:
                continue
            jieba.load_userdict(str(path))
            _loaded_dicts[path] = mtime
            logger.debug("Loaded jieba user dictionary %s", path)
    return files


class FinanceValues:
    """Adds normalised amount/months/days/date spans to doc.spans["finance"]."""

    def __call__(self, doc: Doc) -> Doc:
        today = doc.user_data.get("today") or clock.today()
        spans = []
        for ent in normalise.extract(doc.text, today):
            exact = doc.char_span(ent.start, ent.end, label=ent.entity)
            span = exact or doc.char_span(
                ent.start, ent.end, label=ent.entity, alignment_mode="expand"
            )
            if span is None:  # cannot happen for non-empty text; be defensive
                continue
            span._.finance = ent
            span._.aligned = exact is not None
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc


@Language.factory("finance_values")
def _make_finance_values(nlp: Language, name: str) -> FinanceValues:
    return FinanceValues()


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The process-wide pipeline (building it loads jieba's dictionary: ~1 s)."""
    load_user_dictionary()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    # add_pipe is typed as returning any pipe; "entity_ruler" makes an EntityRuler
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", config={"validate": True}))
    ruler.from_disk(PATTERNS_FILE)
    nlp.add_pipe("finance_values")
    return nlp


def analyse(text: str, today: date) -> Doc:
    """Run the pipeline with `today` as the reference date for relative dates."""
    nlp = get_nlp()
    doc = nlp.make_doc(text if isinstance(text, str) else "")
    doc.user_data["today"] = today
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def extract_entities(text: str, today: date) -> List[Entity]:
    """amount/months/days/date entities of `text`, via the spaCy pipeline."""
    doc = analyse(text, today)  # keep a reference: a SpanGroup dies with its Doc
    return [span._.finance for span in doc.spans[SPAN_KEY]]


def tokens(text: str) -> List[str]:
    """jieba tokens as the pipeline (and Rasa's JiebaTokenizer) see them."""
    return [t.text for t in get_nlp().make_doc(text)]


def finance_terms(text: str) -> List[Tuple[str, str]]:
    """(term, label) pairs found by the entity ruler, e.g. ("停息挂账", "PLAN")."""
    doc = analyse(text, clock.today())
    return [(e.text, e.label_) for e in doc.ents]


def misaligned(text: str, start: int, end: int) -> Optional[Tuple[int, int]]:
    """None if text[start:end] lines up with jieba tokens; else the token-aligned
    (start, end) that covers it. Use it to check entity annotations in data/nlu,
    which Rasa drops when they cut a token."""
    doc = get_nlp().make_doc(text)
    if doc.char_span(start, end) is not None:
        return None
    span = doc.char_span(start, end, alignment_mode="expand")
    return (span.start_char, span.end_char) if span is not None else (start, end)
