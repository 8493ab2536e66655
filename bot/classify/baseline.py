"""The plain baseline every intent classifier of ours must beat (issue: intent recognition).

jieba with our finance dictionary, TF-IDF of word 1–2-grams and character 1–3-grams, and a
LinearSVC with scikit-learn's defaults: nothing tuned, no normalisation of ours. It is
trained on exactly the data the assistant is trained on (`data/nlu/`).
"""
from __future__ import annotations

from typing import List, Sequence

from bot.classify.text import jieba_tokenizer  # the same jieba and dictionary, no normalising


def _word_ngrams(text: str) -> List[str]:
    tokens = [w for w in jieba_tokenizer().lcut(text.lower()) if w.strip()]
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def train_baseline(texts: Sequence[str], intents: Sequence[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer=_word_ngrams)),
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3))),
    ])
    model = make_pipeline(features, LinearSVC())
    model.fit(list(texts), list(intents))
    return model
