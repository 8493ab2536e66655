"""The distress levels on text the detector never saw, beside two baselines.

    python -m bot.distress.evaluate [--report reports/distress_eval.json]

Scores the sealed files in tests/distress/sealed/ (written by helpers who never saw
data/distress; never trained on, never tuned to) with:
- the detector (level classifier + lexicon), without an intent: the floor the NLU adds to;
- the lexicon alone (the detector before the classifier);
- a plain baseline: TF-IDF (word and char n-grams) + LinearSVC on the same corpus.
For each: recall per level, crisis caught as crisis or possible crisis, false crisis and
false possible crisis among none and distress. Then the same by 5-fold cross-validation
over data/distress (in-sample for the thresholds: they were chosen there).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import yaml

from bot.distress.classifier import LEVELS, ROOT, training_items

SEALED_DIR = ROOT / "tests" / "distress" / "sealed"
RISK = ("possible_crisis", "crisis")


def sealed_items(directory: Path = SEALED_DIR) -> List[Tuple[str, str]]:
    items = []
    for path in sorted(directory.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("items") or []:
            items.append((str(item["text"]), str(item["level"])))
    return items


def figures(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, float]:
    pairs = Counter(zip(gold, predicted))
    support = Counter(gold)
    calm = support["none"] + support["distress"]
    out: Dict[str, float] = {f"recall_{lv}": pairs[(lv, lv)] / support[lv] if support[lv] else 0.0
                             for lv in LEVELS}
    out["crisis_caught"] = sum(pairs[("crisis", p)] for p in RISK) / max(support["crisis"], 1)
    out["possible_caught"] = sum(pairs[("possible_crisis", p)] for p in RISK) / max(
        support["possible_crisis"], 1)
    out["false_crisis"] = sum(pairs[(g, "crisis")] for g in ("none", "distress")) / max(calm, 1)
    out["false_possible"] = sum(pairs[(g, "possible_crisis")] for g in ("none", "distress")) / max(
        calm, 1)
    out["examples"] = len(gold)
    return out


def detector() -> Callable[[str], str]:
    from bot.distress.detector import assess_message

    return lambda text: assess_message(text).level.value


def lexicon_only() -> Callable[[str], str]:
    from bot.distress.detector import assess_message

    return lambda text: assess_message(text, classifier=False).level.value


def baseline(items: Sequence[Tuple[str, str]]) -> Callable[[str], str]:
    from bot.classify.baseline import train_baseline

    model = train_baseline([t for t, _ in items], [lv for _, lv in items])
    return lambda text: str(model.predict([text])[0])


def evaluate_sealed() -> Dict[str, Dict[str, float]]:
    items = sealed_items()
    texts, gold = [t for t, _ in items], [lv for _, lv in items]
    train = training_items()
    return {name: figures(gold, [predict(t) for t in texts]) for name, predict in (
        ("detector", detector()), ("lexicon only", lexicon_only()), ("baseline", baseline(train)))}


def print_table(title: str, results: Dict[str, Dict[str, float]]) -> None:
    keys = ("crisis_caught", "possible_caught", "false_crisis", "false_possible",
            "recall_none", "recall_distress")
    print(f"\n== {title}")
    print(f"{'':<14}" + "".join(f"{k:>17}" for k in keys))
    for name, fig in results.items():
        print(f"{name:<14}" + "".join(f"{fig[k]:>17.3f}" for k in keys))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", default="reports/distress_eval.json")
    args = parser.parse_args(argv)
    results = evaluate_sealed()
    print_table(f"sealed distress files ({int(results['detector']['examples'])} sentences)",
                results)
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
