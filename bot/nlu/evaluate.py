"""Scores the trained model on the held-out NLU file (never trained on).

    python -m bot.nlu.evaluate --model models/<hash>.tar.gz [--min-macro-f1 0.95]

Prints per-intent precision / recall / F1, the macro-F1 and the weakest intents. The
"assistant" score counts a low-confidence fallback as a miss (what the borrower sees);
the "classifier" score uses the classifier's top guess.
"""
import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

HELDOUT = Path(__file__).resolve().parents[2] / "tests" / "heldout" / "nlu_heldout.yml"


def load_examples(path: Path = HELDOUT) -> List[Tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- ") and line[2:].strip():
                examples.append((line[2:].strip(), block["intent"]))
    return examples


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
    return sum(r["f1"] for r in report.values()) / len(report)


async def _parse_all(model: str, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def parse_all(model: str, texts: List[str]) -> List[dict]:
    return asyncio.run(_parse_all(model, texts))


def evaluate(model: str, path: Path = HELDOUT) -> dict:
    examples = load_examples(path)
    parsed = parse_all(model, [text for text, _ in examples])
    gold = [intent for _, intent in examples]
    assistant = [p["intent"]["name"] for p in parsed]
    classifier = [
        (p.get("intent_ranking") or [p["intent"]])[0]["name"] if p["intent"]["name"] == "nlu_fallback"
        else p["intent"]["name"] for p in parsed
    ]
    errors = [
        {"text": text, "gold": g, "predicted": a}
        for (text, g), a in zip(examples, assistant) if g != a
    ]
    return {"assistant": scores(gold, assistant), "classifier": scores(gold, classifier),
            "fallback_rate": assistant.count("nlu_fallback") / len(assistant), "errors": errors,
            "examples": len(examples)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--heldout", default=str(HELDOUT))
    parser.add_argument("--min-macro-f1", type=float, default=None)
    parser.add_argument("--errors", default="results/heldout_errors.json")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    result = evaluate(args.model, Path(args.heldout))
    report = result["assistant"]
    print(f"held-out examples: {result['examples']}  (file: {os.path.relpath(args.heldout)})")
    print(f"{'intent':<24}{'precision':>10}{'recall':>8}{'F1':>8}{'n':>5}")
    for intent, r in sorted(report.items(), key=lambda kv: kv[1]["f1"]):
        print(f"{intent:<24}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['support']:>5}")
    assistant_f1, classifier_f1 = macro_f1(report), macro_f1(result["classifier"])
    print(f"macro-F1 (assistant, fallback = miss): {assistant_f1:.4f}")
    print(f"macro-F1 (classifier top guess):       {classifier_f1:.4f}")
    print(f"fallback rate: {result['fallback_rate']:.3f}")
    weakest = sorted(report.items(), key=lambda kv: kv[1]["f1"])[:3]
    print("weakest intents: " + ", ".join(f"{k} ({v['f1']:.3f})" for k, v in weakest))
    Path(args.errors).parent.mkdir(parents=True, exist_ok=True)
    Path(args.errors).write_text(json.dumps(result["errors"], ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"misclassified examples: {args.errors}")
    if args.min_macro_f1 is not None and assistant_f1 < args.min_macro_f1:
        print(f"FAILED: macro-F1 {assistant_f1:.4f} < {args.min_macro_f1}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
