"""A linear SVM on word, character and pinyin TF-IDF features of the normalised message
(`bot.classify.text`), stored as plain data.

Confidences are a softmax of the SVM's margins at a fixed temperature, so a threshold on
them keeps its meaning from one training to the next.

Persistence is plain data (vocabularies, idf, weights) in JSON and NumPy files, never a
pickle: loading a model runs no code from the model file.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from bot.classify import text as features

_ANALYZERS = {
    "words": features.word_analyzer,
    "chars": features.char_analyzer,
    "pinyin": features.pinyin_analyzer,
}
# Margins of a LinearSVC sit within about ±2; this spreads them into usable confidences.
DEFAULT_TEMPERATURE = 0.25


class LinearTextModel:
    """Pure scikit-learn model, usable without Rasa (evaluation, tests, the baseline report)."""

    def __init__(self, c: float = 1.0, temperature: float = DEFAULT_TEMPERATURE,
                 balanced: bool = False) -> None:
        self.c = c
        self.balanced = balanced  # weigh classes by their inverse frequency
        self.temperature = temperature
        self.vectorizers: Dict[str, Any] = {}
        self.coef: np.ndarray = np.zeros((0, 0))
        self.intercept: np.ndarray = np.zeros(0)
        self.classes: List[str] = []

    # ---- training ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "LinearTextModel":
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vectorizers = {
            name: TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)
            for name, analyzer in _ANALYZERS.items()
        }
        matrix = hstack([v.fit_transform(list(texts)) for v in self.vectorizers.values()]).tocsr()
        svm = LinearSVC(C=self.c, random_state=0,
                        class_weight="balanced" if self.balanced else None).fit(matrix, list(labels))
        self.classes = [str(c) for c in svm.classes_]
        self.coef, self.intercept = svm.coef_, svm.intercept_
        if len(self.classes) == 2:  # binary SVMs keep one row; make it one per class
            self.coef = np.vstack([-self.coef[0], self.coef[0]])
            self.intercept = np.array([-self.intercept[0], self.intercept[0]])
        return self

    # ---- prediction ----------------------------------------------------------------------
    def margins(self, texts: Sequence[str]) -> np.ndarray:
        """What `hstack(v.transform(texts)) @ coef.T + intercept` gives, computed directly:
        scikit-learn's transform re-derives the idf vector and re-checks the estimator on
        every call, which cost more than the arithmetic (tests/unit/test_linear_model.py
        keeps the two equal)."""
        blocks = self._blocks()
        out = np.tile(self.intercept, (len(texts), 1)).astype(float)
        for row, text in enumerate(texts):
            for analyzer, vocabulary, idf, coef in blocks:
                counts: Dict[int, int] = {}
                for token in analyzer(text):
                    index = vocabulary.get(token)
                    if index is not None:
                        counts[index] = counts.get(index, 0) + 1
                if not counts:
                    continue
                indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
                weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=float,
                                                    count=len(counts)))) * idf[indices]
                norm = np.sqrt(np.dot(weights, weights))
                out[row] += (weights / norm) @ coef[indices]
        return out

    def sklearn_margins(self, texts: Sequence[str]) -> np.ndarray:
        """The same figures through scikit-learn's own transform (kept as the reference)."""
        from scipy.sparse import hstack

        matrix = hstack([v.transform(list(texts)) for v in self.vectorizers.values()]).tocsr()
        return np.asarray(matrix @ self.coef.T) + self.intercept

    def _blocks(self) -> List[Tuple[Any, Dict[str, int], np.ndarray, np.ndarray]]:
        """Per feature kind: analyzer, vocabulary, idf and its slice of the weights, with
        features in rows (coef.T), built once per trained model."""
        cached = getattr(self, "_cached_blocks", None)
        if cached is not None and cached[0] is self.coef:
            return cached[1]
        blocks, start = [], 0
        weights_by_feature = np.ascontiguousarray(self.coef.T)
        for name, vectorizer in self.vectorizers.items():
            # A loaded vectorizer has its vocabulary as a parameter until first used.
            vocabulary = getattr(vectorizer, "vocabulary_", None) or vectorizer.vocabulary
            size = len(vocabulary)
            blocks.append((_ANALYZERS[name], vocabulary, np.asarray(vectorizer.idf_),
                           weights_by_feature[start:start + size]))
            start += size
        self._cached_blocks = (self.coef, blocks)
        return blocks

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        scaled = self.margins(texts) / self.temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        return exp / exp.sum(axis=1, keepdims=True)

    def rank(self, texts: Sequence[str], top: int = 10) -> List[List[Tuple[str, float]]]:
        rankings = []
        for row in self.probabilities(texts):
            order = np.argsort(-row)[:top]
            rankings.append([(self.classes[i], float(row[i])) for i in order])
        return rankings

    def predict(self, texts: Sequence[str]) -> List[str]:
        return [self.classes[i] for i in np.argmax(self.margins(texts), axis=1)]

    # ---- files ---------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"c": self.c, "temperature": self.temperature, "classes": self.classes,
                "vocabularies": {n: {t: int(i) for t, i in v.vocabulary_.items()}
                                 for n, v in self.vectorizers.items()}}
        (directory / "text_model.json").write_text(json.dumps(meta, ensure_ascii=False),
                                                     encoding="utf-8")
        np.savez(directory / "text_model.npz", coef=self.coef, intercept=self.intercept,
                 **{f"idf_{n}": v.idf_ for n, v in self.vectorizers.items()})

    @classmethod
    def load(cls, directory: Path) -> "LinearTextModel":
        from sklearn.feature_extraction.text import TfidfVectorizer

        meta = json.loads((directory / "text_model.json").read_text(encoding="utf-8"))
        arrays = np.load(directory / "text_model.npz", allow_pickle=False)
        model = cls(c=meta["c"], temperature=meta["temperature"])
        model.classes = list(meta["classes"])
        model.coef, model.intercept = arrays["coef"], arrays["intercept"]
        for name, analyzer in _ANALYZERS.items():
            vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True,
                                         vocabulary=meta["vocabularies"][name])
            vectorizer.idf_ = arrays[f"idf_{name}"]
            model.vectorizers[name] = vectorizer
        return model
