"""Scores the assistant's intent recognition beside a plain baseline, on text it never saw.

    python -m bot.nlu.evaluate --model models/<hash>.tar.gz [--report reports/nlu_eval.json]
                               [--no-cv] [--accept tests/heldout/accepted_eval.json]

For each held-out file (the sealed files in tests/heldout/sealed/, written apart from the
training data, and tests/heldout/nlu_heldout.yml, written with it) it prints per-intent
precision / recall / F1, macro-F1, accuracy and errors for:
- the pipeline: the trained Rasa model through Agent.parse_message, fallback counted as a
  miss (what a borrower sees);
- the baseline (bot.classify.baseline): jieba + word/char TF-IDF + LinearSVC on the same data;
and the ratio of errors. Then stratified 5-fold cross-validation over data/nlu for both
classifiers, and how many right answers the fallback threshold throws away.

Each run leaves, under reports/ (not kept in git): the JSON (`--report`, and a copy in
reports/nlu_eval_runs/<time>-<model>/), a Markdown summary beside it (per-intent tables,
the gate against tests/heldout/accepted_eval.json, the confusion matrices as PNG, the
worst-misread examples of nlu_heldout.yml). The sealed files never show a sentence, only
counts per intent. `--accept PATH` writes the figures (no text) as the accepted report;
`python -m bot.nlu.eval_gate` compares a report with it (`make eval` runs both).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypedDict,
)

from bot.classify.examples import (
    HELDOUT_FILE,
    SEALED_DIR,
    Example,
    read_file,
    read_files,
    training_examples,
)

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline  # no type information: Any to mypy

FALLBACK = "nlu_fallback"
# The safety override refines crisis into crisis and possible crisis; both take the safety
# path (help lines, a person), so against a gold "crisis" they count as one answer.
_SAME_ANSWER = {"possible_crisis": "crisis"}


# ---- the report's shape ------------------------------------------------------------------
class IntentScores(TypedDict):
    precision: float
    recall: float
    f1: float
    support: int


class Summary(TypedDict):
    """One classifier on one set of sentences."""

    macro_f1: float
    accuracy: float
    errors: int
    examples: int
    per_intent: Dict[str, IntentScores]


class FallbackFigures(TypedDict):
    rate: float
    right_answers_discarded: int
    wrong_answers_caught: int


class Misread(TypedDict):
    text: str
    gold: str
    pipeline: str
    confidence: float
    baseline: str


class MisreadCounts(TypedDict):
    pipeline: int
    baseline: int


class _Comparison(TypedDict):
    pipeline: Summary
    baseline: Summary


class Comparison(_Comparison, total=False):
    """The pipeline beside the baseline: a held-out file, or the cross-validation."""

    fallback: FallbackFigures  # held-out files only: cross-validation has no fallback


class FileResult(Comparison, total=False):
    """compare_on's result for one held-out file (every key but the last two is always set)."""

    pipeline_top_guess: Summary
    confusion: Dict[str, Dict[str, int]]  # gold intent -> predicted intent -> count
    misread: List[Misread]  # files whose sentences may be shown
    misread_per_intent: Dict[str, MisreadCounts]  # sealed files: counts instead (without_texts)


class GateResult(TypedDict):
    passes: bool
    lines: List[str]


class _Report(TypedDict):
    model: str
    time: str
    training_examples: int
    heldout: Dict[str, FileResult]


class Report(_Report, total=False):
    """reports/nlu_eval.json."""

    cross_validation: Comparison
    gate: GateResult


# A parse result of Rasa's Agent.parse_message (JSON: intent, intent_ranking, entities ...).
Parse = Dict[str, Any]


# ---- figures -----------------------------------------------------------------------------
def scores(gold: Iterable[str], predicted: Iterable[str]) -> Dict[str, IntentScores]:
    gold, predicted = list(gold), list(predicted)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, predicted):
        if g == p:
            tp[g] += 1
        else:
            fn[g] += 1
            fp[p] += 1
    report: Dict[str, IntentScores] = {}
    for intent in sorted(set(gold)):
        precision = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        recall = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[intent] = {"precision": precision, "recall": recall, "f1": f1,
                          "support": tp[intent] + fn[intent]}
    return report


def macro_f1(report: Mapping[str, IntentScores]) -> float:
    return sum(r["f1"] for r in report.values()) / len(report) if report else 0.0


def summary(gold: Sequence[str], predicted: Sequence[str]) -> Summary:
    per_intent = scores(gold, predicted)
    errors = sum(1 for g, p in zip(gold, predicted) if g != p)
    return {"macro_f1": macro_f1(per_intent), "accuracy": 1 - errors / len(gold) if gold else 0.0,
            "errors": errors, "examples": len(gold), "per_intent": per_intent}


# ---- the two classifiers -----------------------------------------------------------------
async def _parse_all(model: str, texts: List[str]) -> List[Parse]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


# Parses of (model, text): the held-out files overlap (all sealed writers, then each one)
# and the tests of one session ask again; the model loads once per batch of new texts.
_PARSED: Dict[Tuple[str, str], Parse] = {}


def _quiet_rasa_logs() -> None:
    """Rasa logs every parse, text included, through structlog at debug level unless it is
    configured: keep sealed sentences off the screen."""
    import structlog

    if not structlog.is_configured():
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def parse_all(model: str, texts: List[str]) -> List[Parse]:
    missing = [t for t in dict.fromkeys(texts) if (model, t) not in _PARSED]
    if missing:
        _quiet_rasa_logs()
        for text, parsed in zip(missing, asyncio.run(_parse_all(model, missing))):
            _PARSED[(model, text)] = parsed
    return [_PARSED[(model, t)] for t in texts]


def pipeline_predictions(model: str, texts: List[str]) -> Tuple[List[str], List[str]]:
    """(what the borrower gets, the classifier's top guess under a fallback)."""
    parsed = parse_all(model, texts)
    assistant = [_SAME_ANSWER.get(p["intent"]["name"], p["intent"]["name"]) for p in parsed]
    top = [((p.get("intent_ranking") or [p["intent"]])[0]["name"]
            if p["intent"]["name"] == FALLBACK else p["intent"]["name"]) for p in parsed]
    return assistant, top


_BASELINES: Dict[int, "Pipeline"] = {}


def baseline_predictions(train: Sequence[Example], texts: List[str]) -> List[str]:
    from bot.classify.baseline import train_baseline

    key = hash(tuple(train))
    if key not in _BASELINES:
        _BASELINES.clear()
        _BASELINES[key] = train_baseline([t for t, _ in train], [i for _, i in train])
    return list(_BASELINES[key].predict(texts))


def heldout_files() -> Dict[str, List[Example]]:
    files = {"sealed (all writers)": read_files(SEALED_DIR.glob("*.yml"))}
    for path in sorted(SEALED_DIR.glob("*.yml")):
        files[f"sealed/{path.stem}"] = read_file(path)
    files["nlu_heldout.yml (written with the training data)"] = read_file(HELDOUT_FILE)
    return files


def compare_on(model: str, examples: List[Example], train: List[Example]) -> FileResult:
    texts, gold = [t for t, _ in examples], [i for _, i in examples]
    assistant, top = pipeline_predictions(model, texts)
    confidence = [float(p["intent"].get("confidence") or 0.0) for p in parse_all(model, texts)]
    base = baseline_predictions(train, texts)
    pipe = summary(gold, assistant)
    fallback_discarded = sum(1 for g, a, t in zip(gold, assistant, top) if a == FALLBACK and t == g)
    fallback_caught = sum(1 for g, a, t in zip(gold, assistant, top) if a == FALLBACK and t != g)
    misread: List[Misread] = [
        {"text": t, "gold": g, "pipeline": a, "confidence": round(c, 4), "baseline": b}
        for t, g, a, c, b in zip(texts, gold, assistant, confidence, base) if g != a]
    return {
        "pipeline": pipe,
        "pipeline_top_guess": summary(gold, top),
        "baseline": summary(gold, base),
        "fallback": {"rate": assistant.count(FALLBACK) / len(assistant),
                     "right_answers_discarded": fallback_discarded,
                     "wrong_answers_caught": fallback_caught},
        "confusion": confusion(gold, assistant),
        "misread": misread[:200],
    }


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, Dict[str, int]]:
    """gold intent -> predicted intent -> count."""
    out: Dict[str, Dict[str, int]] = {}
    for g, p in zip(gold, predicted):
        out.setdefault(g, {})
        out[g][p] = out[g].get(p, 0) + 1
    return out


def without_texts(result: FileResult) -> FileResult:
    """A result that may be shown: the misread sentences become counts per intent."""
    out = result.copy()  # the same keys in the same order, without "misread"
    out.pop("misread", None)
    pipe: Counter[str] = Counter()
    base: Counter[str] = Counter()
    for g, row in result["confusion"].items():
        pipe[g] = sum(n for p, n in row.items() if p != g)
    for intent, r in result["baseline"]["per_intent"].items():
        base[intent] = r["support"] - round(r["recall"] * r["support"])
    out["misread_per_intent"] = {i: {"pipeline": pipe[i], "baseline": base[i]}
                                 for i in sorted(result["pipeline"]["per_intent"])
                                 if pipe[i] or base[i]}
    return out


def is_sealed(name: str) -> bool:
    return name.startswith("sealed")


def evaluate_heldout(model: str, train: List[Example]) -> Dict[str, FileResult]:
    """compare_on over every held-out file; the model parses every sentence once."""
    files = {name: examples for name, examples in heldout_files().items() if examples}
    parse_all(model, [t for examples in files.values() for t, _ in examples])
    return {name: compare_on(model, examples, train) for name, examples in files.items()}


def cross_validate(examples: List[Example], folds: int = 5, seed: int = 0) -> Comparison:
    """Stratified k-fold over the training data: our classifier (without the fallback and
    the safety override, which need no training) against the baseline."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from bot.classify.baseline import train_baseline
    from bot.classify.linear import LinearTextModel

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


def print_comparison(name: str, result: Comparison, per_intent: bool) -> None:
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


# ---- the report on disk ------------------------------------------------------------------
WORST_MISREAD = 25
HELDOUT_KEY = "nlu_heldout.yml (written with the training data)"
SEALED_KEY = "sealed (all writers)"


def _slug(name: str) -> str:
    return {SEALED_KEY: "sealed", HELDOUT_KEY: "nlu_heldout"}.get(
        name, "".join(c if c.isalnum() else "_" for c in name).strip("_"))


def confusion_png(result: FileResult, title: str, path: Path) -> None:
    """The pipeline's confusion matrix: rows gold, columns what the borrower got; colour is
    the share of the row, the number the count."""
    import warnings

    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pyparsing, via mathtext
        import matplotlib.pyplot as plt

    matrix = result["confusion"]
    gold = sorted(matrix)
    extra = sorted({p for row in matrix.values() for p in row} - set(gold))
    cols = gold + extra
    counts = np.array([[matrix[g].get(c, 0) for c in cols] for g in gold], dtype=float)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(0.42 * len(cols) + 3, 0.42 * len(gold) + 2.5))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(len(gold)):
        for j in range(len(cols)):
            if counts[i, j]:
                ax.text(j, i, int(counts[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else ("black" if i == j else "red"))
    ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=8)
    ax.set_yticks(range(len(gold)), gold, fontsize=8)
    ax.set_xlabel("predicted (pipeline, what the borrower gets)")
    ax.set_ylabel("gold intent")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, accepted: Optional[Mapping[str, Any]],
                    images: Dict[str, str]) -> str:
    from bot.nlu import eval_gate

    out = [f"# NLU evaluation — {report['model']} ({report['time']})", "",
           f"Training examples: {report['training_examples']}. Pipeline = the trained Rasa model "
           "as a borrower meets it (fallback counts as a miss); baseline = jieba + TF-IDF + "
           "LinearSVC on the same data. Sealed files: figures and counts only, never a sentence.",
           "", "## Gate against the accepted report", ""]
    gate = report.get("gate", {})
    out.append("**passed**" if gate.get("passes") else "**FAILED**")
    out.append("")
    out += [f"- {_md_escape(line)}" for line in gate.get("lines", [])]
    out += ["", "| held-out file | accepted macro-F1 | now | change |", "|---|---:|---:|---:|"]
    for name, old, cur, _ in eval_gate.comparison_rows(report, accepted):
        change = f"{cur - old:+.4f}" if old is not None and cur is not None else "-"
        out.append(f"| {name} | {'-' if old is None else f'{old:.4f}'} | "
                   f"{'-' if cur is None else f'{cur:.4f}'} | {change} |")

    out += ["", "## Summary", "",
            "| held-out file | n | pipeline macro-F1 | accuracy | errors | baseline macro-F1 | "
            "accuracy | errors | errors pipeline / baseline | fallback rate |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in report["heldout"].items():
        p, b = r["pipeline"], r["baseline"]
        out.append(f"| {name} | {p['examples']} | {p['macro_f1']:.4f} | {p['accuracy']:.4f} | "
                   f"{p['errors']} | {b['macro_f1']:.4f} | {b['accuracy']:.4f} | {b['errors']} | "
                   f"{_ratio(p['errors'], b['errors'])} | {r['fallback']['rate']:.3f} |")
    cv = report.get("cross_validation")
    if cv:
        out.append(f"| 5-fold CV over data/nlu (classifier alone) | {cv['pipeline']['examples']} | "
                   f"{cv['pipeline']['macro_f1']:.4f} | {cv['pipeline']['accuracy']:.4f} | "
                   f"{cv['pipeline']['errors']} | {cv['baseline']['macro_f1']:.4f} | "
                   f"{cv['baseline']['accuracy']:.4f} | {cv['baseline']['errors']} | "
                   f"{_ratio(cv['pipeline']['errors'], cv['baseline']['errors'])} | - |")

    for name, r in report["heldout"].items():
        if name.startswith("sealed/"):
            continue
        p, b = r["pipeline"], r["baseline"]
        out += ["", f"## Per intent: {name}", "",
                f"macro-F1 pipeline {p['macro_f1']:.4f}, baseline {b['macro_f1']:.4f}; "
                f"errors {p['errors']} / {b['errors']} (ratio {_ratio(p['errors'], b['errors'])}). "
                "Lowest pipeline F1 first.", "",
                "| intent | n | pipeline P | R | F1 | baseline P | R | F1 |",
                "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for intent in sorted(p["per_intent"], key=lambda k: (p["per_intent"][k]["f1"], k)):
            x = p["per_intent"][intent]
            y: Mapping[str, object] = b["per_intent"].get(intent, {})  # baseline: maybe absent
            out.append(f"| {intent} | {x['support']} | {x['precision']:.3f} | {x['recall']:.3f} | "
                       f"{x['f1']:.3f} | {y.get('precision', 0):.3f} | {y.get('recall', 0):.3f} | "
                       f"{y.get('f1', 0):.3f} |")
        if name in images:
            out += ["", f"![confusion matrix, {name}]({images[name]})"]
        if is_sealed(name):
            counts = r.get("misread_per_intent", {})
            out += ["", "Misread per intent (counts only: sealed sentences are never shown):", "",
                    "| intent | pipeline | baseline |", "|---|---:|---:|"]
            out += [f"| {i} | {c['pipeline']} | {c['baseline']} |" for i, c in counts.items()]
        else:
            worst = sorted(r.get("misread", []),
                           key=lambda m: (m["pipeline"] != FALLBACK, m.get("confidence", 0)),
                           reverse=True)[:WORST_MISREAD]
            out += ["", f"### Worst misread ({len(worst)} of {p['errors']}): confident wrong "
                    "answers first, then fallbacks", "",
                    "| text | gold | pipeline | confidence | baseline |", "|---|---|---|---:|---|"]
            out += [f"| {_md_escape(m['text'])} | {m['gold']} | {m['pipeline']} | "
                    f"{m.get('confidence', 0):.3f} | {m['baseline']} |" for m in worst]
    return "\n".join(out) + "\n"


def write_outputs(report: Report, accepted: Optional[Mapping[str, Any]], report_path: Path,
                  run_dir: Path) -> List[Path]:
    """The run's folder (JSON, Markdown, PNGs) and the latest JSON / Markdown at
    `report_path` (linking to the run's pictures)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    images: Dict[str, Path] = {}
    for name in (SEALED_KEY, HELDOUT_KEY):
        if name in report["heldout"]:
            images[name] = run_dir / f"confusion_{_slug(name)}.png"
            confusion_png(report["heldout"][name], f"{name} — pipeline, {report['model']}",
                          images[name])
    text = json.dumps(report, ensure_ascii=False, indent=1)
    run_json, run_md = run_dir / "nlu_eval.json", run_dir / "nlu_eval.md"
    run_json.write_text(text, encoding="utf-8")
    run_md.write_text(render_markdown(report, accepted, {k: v.name for k, v in images.items()}),
                      encoding="utf-8")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(text, encoding="utf-8")
    latest_md = report_path.with_suffix(".md")
    rel = {k: os.path.relpath(v, latest_md.parent) for k, v in images.items()}
    latest_md.write_text(render_markdown(report, accepted, rel), encoding="utf-8")
    return [report_path, latest_md, run_dir]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--report", default="reports/nlu_eval.json")
    parser.add_argument("--runs", default="reports/nlu_eval_runs",
                        help="a folder per run: JSON, Markdown, confusion matrices")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--accept", metavar="PATH",
                        help="write the figures as the accepted report (e.g. "
                             "tests/heldout/accepted_eval.json); refused below a floor")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    from bot.nlu import eval_gate

    train = training_examples()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report: Report = {"model": os.path.basename(args.model), "time": stamp,
                    "training_examples": len(train), "heldout": {}}
    for name, result in evaluate_heldout(args.model, train).items():
        report["heldout"][name] = without_texts(result) if is_sealed(name) else result
        print_comparison(name, result, per_intent=not name.startswith("sealed/"))
    if not args.no_cv:
        report["cross_validation"] = cross_validate(train)
        print_comparison("5-fold cross-validation over data/nlu (classifier alone)",
                         report["cross_validation"], per_intent=False)

    accepted = eval_gate.load_accepted(Path(args.accept) if args.accept
                                       else eval_gate.ACCEPTED_FILE)
    lines = eval_gate.check(report, Path(args.accept) if args.accept else eval_gate.ACCEPTED_FILE)
    report["gate"] = {"passes": eval_gate.passes(lines), "lines": [str(x) for x in lines]}

    run_dir = Path(args.runs) / f"{stamp}-{Path(args.model).name.split('.')[0]}"
    written = write_outputs(report, accepted, Path(args.report), run_dir)
    print("\nreport: " + ", ".join(str(p) for p in written))

    if args.accept:
        eval_gate.print_comparison(report, accepted, lines)
        settings = eval_gate.load_floors()
        below = eval_gate.failures(eval_gate.compare(report, None, settings["margin"],
                                                     settings["floors"], settings["files"]))
        if below:
            print("\n不接受：有意图低于及格线 / not accepted: intents below their floor")
            for line in below:
                print(line)
            return 1
        accepted_figures = {"about": ACCEPTED_ABOUT, "accepted_at": time.strftime("%Y-%m-%d"),
                            **eval_gate.figures(report)}
        Path(args.accept).write_text(accepted_json(accepted_figures), encoding="utf-8")
        print(f"accepted: {args.accept}")
    return 0


def accepted_json(figures: Mapping[str, Any]) -> str:
    """Indented JSON with one line per intent: a new accepted report reads as a short diff."""
    import re

    text = json.dumps(figures, ensure_ascii=False, indent=1)
    return re.sub(r"\{\s*(\"precision\"[^{}]*?)\s*\}",
                  lambda m: "{" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "}", text) + "\n"


ACCEPTED_ABOUT = ("The accepted NLU figures (`make eval-accept`), figures only: no example text. "
                  "`make eval` and `make test` fail when a file's pipeline macro-F1 falls by more "
                  "than the margin below these, or an intent falls below its floor "
                  "(tests/heldout/eval_floors.yml).")


if __name__ == "__main__":
    sys.exit(main())
