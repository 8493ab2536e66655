"""Scores the assistant's intent recognition beside a plain baseline, on text it never saw.

    python -m bot.nlu.evaluate --model models/<hash>.tar.gz [--report reports/nlu.json]

For each held-out file (the sealed files in tests/heldout/sealed/, written apart from the
training data, and tests/heldout/nlu_heldout.yml, written with it) it prints per-intent
precision / recall / F1, macro-F1, accuracy and errors for:
- the pipeline: the trained Rasa model through Agent.parse_message, fallback counted as a
  miss (what a borrower sees);
- the baseline (bot.nlu.baseline): jieba + word/char TF-IDF + LinearSVC on the same data;
and the ratio of errors. Then stratified 5-fold cross-validation over data/nlu for both
classifiers, and how many right answers the fallback threshold throws away.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from bot.classify.examples import (
    HELDOUT_FILE,
    SEALED_DIR,
    Example,
    read_file,
    read_files,
    training_examples,
)

FALLBACK = "nlu_fallback"
# The safety override refines crisis into crisis and possible crisis; both take the safety
# path (help lines, a person), so against a gold "crisis" they count as one answer.
_SAME_ANSWER = {"possible_crisis": "crisis"}


# ---- figures -----------------------------------------------------------------------------
def scores(gold: Iterable[str], predicted: Iterable[str]) -> Dict[str, Dict[str, float]]:
    gold, predicted = list(gold), list(predicted)
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, predicted):
        if g == p:
            tp[g] += 1
        else:
            fn[g] += 1
            fp[p] += 1
    report = {}
    for intent in sorted(set(gold)):
        precision = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        recall = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[intent] = {"precision": precision, "recall": recall, "f1": f1,
                          "support": tp[intent] + fn[intent]}
    return report


def macro_f1(report: Dict[str, Dict[str, float]]) -> float:
    return sum(r["f1"] for r in report.values()) / len(report) if report else 0.0


def summary(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    per_intent = scores(gold, predicted)
    errors = sum(1 for g, p in zip(gold, predicted) if g != p)
    return {"macro_f1": macro_f1(per_intent), "accuracy": 1 - errors / len(gold) if gold else 0.0,
            "errors": errors, "examples": len(gold), "per_intent": per_intent}


# ---- the two classifiers -----------------------------------------------------------------
async def _parse_all(model: str, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def parse_all(model: str, texts: List[str]) -> List[dict]:
    return asyncio.run(_parse_all(model, texts))


def pipeline_predictions(model: str, texts: List[str]) -> Tuple[List[str], List[str]]:
    """(what the borrower gets, the classifier's top guess under a fallback)."""
    parsed = parse_all(model, texts)
    assistant = [_SAME_ANSWER.get(p["intent"]["name"], p["intent"]["name"]) for p in parsed]
    top = [((p.get("intent_ranking") or [p["intent"]])[0]["name"]
            if p["intent"]["name"] == FALLBACK else p["intent"]["name"]) for p in parsed]
    return assistant, top


def baseline_predictions(train: Sequence[Example], texts: List[str]) -> List[str]:
    from bot.nlu.baseline import train_baseline

    model = train_baseline([t for t, _ in train], [i for _, i in train])
    return list(model.predict(texts))


def heldout_files() -> Dict[str, List[Example]]:
    files = {"sealed (all writers)": read_files(SEALED_DIR.glob("*.yml"))}
    for path in sorted(SEALED_DIR.glob("*.yml")):
        files[f"sealed/{path.stem}"] = read_file(path)
    files["nlu_heldout.yml (written with the training data)"] = read_file(HELDOUT_FILE)
    return files


def compare_on(model: str, examples: List[Example], train: List[Example]) -> dict:
    texts, gold = [t for t, _ in examples], [i for _, i in examples]
    assistant, top = pipeline_predictions(model, texts)
    base = baseline_predictions(train, texts)
    pipe = summary(gold, assistant)
    fallback_discarded = sum(1 for g, a, t in zip(gold, assistant, top) if a == FALLBACK and t == g)
    fallback_caught = sum(1 for g, a, t in zip(gold, assistant, top) if a == FALLBACK and t != g)
    return {
        "pipeline": pipe,
        "pipeline_top_guess": summary(gold, top),
        "baseline": summary(gold, base),
        "fallback": {"rate": assistant.count(FALLBACK) / len(assistant),
                     "right_answers_discarded": fallback_discarded,
                     "wrong_answers_caught": fallback_caught},
        "misread": [{"text": t, "gold": g, "pipeline": a, "baseline": b}
                    for t, g, a, b in zip(texts, gold, assistant, base) if g != a][:200],
    }


def cross_validate(examples: List[Example], folds: int = 5, seed: int = 0) -> dict:
    """Stratified k-fold over the training data: our classifier (without the fallback and
    the safety override, which need no training) against the baseline."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from bot.classify.linear import LinearTextModel
    from bot.nlu.baseline import train_baseline

    texts = np.array([t for t, _ in examples], dtype=object)
    gold = np.array([i for _, i in examples], dtype=object)
    ours = np.empty(len(gold), dtype=object)
    base = np.empty(len(gold), dtype=object)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, gold):
        ours[test] = LinearTextModel().fit(list(texts[train]), list(gold[train])).predict(
            list(texts[test]))
        base[test] = train_baseline(list(texts[train]), list(gold[train])).predict(
            list(texts[test]))
    return {"pipeline": summary(list(gold), list(ours)), "baseline": summary(list(gold), list(base))}


# ---- printing ----------------------------------------------------------------------------
def _ratio(pipe_errors: int, base_errors: int) -> str:
    return f"{pipe_errors / base_errors:.2f}" if base_errors else "n/a"


def print_comparison(name: str, result: dict, per_intent: bool) -> None:
    pipe, base = result["pipeline"], result["baseline"]
    print(f"\n== {name}: {pipe['examples']} examples")
    if per_intent:
        print(f"{'intent':<22}{'pipeline P / R / F1':>24}{'baseline P / R / F1':>24}{'n':>5}")
        for intent in sorted(pipe["per_intent"], key=lambda k: pipe["per_intent"][k]["f1"]):
            p, b = pipe["per_intent"][intent], base["per_intent"][intent]
            print(f"{intent:<22}{p['precision']:>8.3f}{p['recall']:>8.3f}{p['f1']:>8.3f}"
                  f"{b['precision']:>8.3f}{b['recall']:>8.3f}{b['f1']:>8.3f}{p['support']:>5}")
    print(f"{'':<22}{'macro-F1':>10}{'accuracy':>10}{'errors':>8}")
    print(f"{'pipeline':<22}{pipe['macro_f1']:>10.4f}{pipe['accuracy']:>10.4f}{pipe['errors']:>8}")
    print(f"{'baseline':<22}{base['macro_f1']:>10.4f}{base['accuracy']:>10.4f}{base['errors']:>8}")
    print(f"errors, pipeline / baseline: {_ratio(pipe['errors'], base['errors'])}")
    if "fallback" in result:
        fb = result["fallback"]
        print(f"fallback: rate {fb['rate']:.3f}; right answers it threw away "
              f"{fb['right_answers_discarded']}, wrong answers it caught {fb['wrong_answers_caught']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--report", default="reports/nlu_eval.json")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    train = training_examples()
    report: dict = {"model": os.path.basename(args.model), "training_examples": len(train),
                    "heldout": {}}
    for name, examples in heldout_files().items():
        if not examples:
            continue
        result = compare_on(args.model, examples, train)
        report["heldout"][name] = result
        print_comparison(name, result, per_intent=not name.startswith("sealed/"))
    if not args.no_cv:
        report["cross_validation"] = cross_validate(train)
        print_comparison("5-fold cross-validation over data/nlu (classifier alone)",
                         report["cross_validation"], per_intent=False)
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                 encoding="utf-8")
    print(f"\nreport: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
