"""The score gate: the current NLU evaluation against the last accepted one.

    python -m bot.nlu.eval_gate [--report reports/nlu_eval.json]
                                [--accepted tests/heldout/accepted_eval.json]
                                [--floors tests/heldout/eval_floors.yml]

`compare(current, accepted, margin, floors)` is pure: two reports in, a list of lines out,
one per problem, in Chinese and English. A line fails the gate (`line.fails`) when
- macro-F1 of the pipeline on a held-out file fell by more than `margin` below the accepted
  figure (`margin`: a number, or {file: number} with `default`), or a held-out file of the
  accepted report was not evaluated at all;
- an intent is below its floor (`floors`: intent -> {metric: minimum}, with `default` for
  every intent not named; metrics are precision, recall, f1).
Other lines are notes and do not fail: an intent or a file the accepted report does not
know yet (accept a new report with `make eval-accept` once it is right).

Both reports may be the full `reports/nlu_eval.json` of `bot.nlu.evaluate` or the figures
kept in `tests/heldout/accepted_eval.json` (see `figures`).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypedDict, Union

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED_FILE = ROOT / "tests" / "heldout" / "accepted_eval.json"
FLOORS_FILE = ROOT / "tests" / "heldout" / "eval_floors.yml"
DEFAULT_MARGIN = 0.01
DEFAULT_FLOORS: Dict[str, Dict[str, float]] = {
    "default": {"f1": 0.8}, "crisis": {"recall": 1.0}, "report_scam": {"recall": 0.9}}
_METRICS = ("precision", "recall", "f1")
# Rounding of the figures kept in the repo; comparisons allow for it.
DIGITS = 4
_EPS = 10 ** -(DIGITS + 1)

# Reports and figures are JSON (bot.nlu.evaluate's report, the accepted file): read with
# .get() and float(), so their values stay Any.
Report = Mapping[str, Any]
Figures = Dict[str, Any]
# One margin for every file, or {file: margin} with "default".
Margin = Union[float, Mapping[str, float]]
# (file, accepted macro-F1, current macro-F1, baseline macro-F1); None where there is none.
ComparisonRow = Tuple[str, Optional[float], Optional[float], Optional[float]]


class SideFigures(TypedDict):
    """One classifier's figures on one held-out file."""

    macro_f1: float
    accuracy: float
    errors: int
    per_intent: Dict[str, Dict[str, float]]  # intent -> precision / recall / f1, support


class FloorSettings(TypedDict):
    margin: Union[float, Dict[str, float]]
    floors: Dict[str, Dict[str, float]]  # intent (or "default") -> metric -> minimum
    files: Optional[List[str]]  # the held-out files the floors apply to; None: every file


class Problem(str):
    """One line of the gate's answer; `fails` tells a failure from a note."""

    fails: bool

    def __new__(cls, text: str, fails: bool = True) -> "Problem":
        line = super().__new__(cls, ("不合格 FAIL: " if fails else "提示 NOTE: ") + text)
        line.fails = fails
        return line


def failures(lines: Iterable[str]) -> List[str]:
    return [line for line in lines if getattr(line, "fails", True)]


# ---- figures -----------------------------------------------------------------------------
def _side(summary: Report) -> SideFigures:
    return {
        "macro_f1": round(float(summary["macro_f1"]), DIGITS),
        "accuracy": round(float(summary.get("accuracy", 0.0)), DIGITS),
        "errors": int(summary.get("errors", 0)),
        "per_intent": {intent: {**{m: round(float(r[m]), DIGITS) for m in _METRICS if m in r},
                                "support": int(r.get("support", 0))}
                       for intent, r in sorted(summary.get("per_intent", {}).items())},
    }


def figures(report: Report) -> Figures:
    """The figures of a report, without any example text: per held-out file, macro-F1,
    accuracy, errors and per-intent precision / recall / F1 / support, for the pipeline and
    the baseline. A report already in this form comes back as it is."""
    if "files" in report:
        return dict(report)
    files: Dict[str, Any] = {}
    for name, result in (report.get("heldout") or {}).items():
        files[name] = {"examples": int(result["pipeline"]["examples"]),
                       "pipeline": _side(result["pipeline"]),
                       "baseline": _side(result["baseline"])}
    out: Figures = {"model": report.get("model"),
                    "training_examples": report.get("training_examples"), "files": files}
    cv = report.get("cross_validation")
    if cv:
        out["cross_validation"] = {side: {"macro_f1": round(float(cv[side]["macro_f1"]), DIGITS),
                                          "accuracy": round(float(cv[side]["accuracy"]), DIGITS)}
                                   for side in ("pipeline", "baseline")}
    return out


def margin_for(name: str, margin: Margin) -> float:
    if isinstance(margin, Mapping):
        return float(margin.get(name, margin.get("default", DEFAULT_MARGIN)))
    return float(margin)


_ADVICE = {
    "recall": "它的句子有的被认成了别的意图：给它补充更多样的训练例句（看报告里的混淆矩阵和答错的句子）。",
    "precision": "别的意图的句子被认成了它：查混淆矩阵里是哪些意图，把两边例句的界线写清楚。",
    "f1": "看报告里的混淆矩阵：它的句子被认成了别的意图，或别的句子被认成了它；补充、理清例句。",
}


def floor_for(intent: str, floors: Mapping[str, Mapping[str, float]]) -> Dict[str, float]:
    return dict(floors.get(intent, floors.get("default", {})))


# ---- the gate ----------------------------------------------------------------------------
def compare(current: Report, accepted: Optional[Report], margin: Margin = DEFAULT_MARGIN,
            floors: Optional[Mapping[str, Mapping[str, float]]] = None,
            floor_files: Optional[Iterable[str]] = None) -> List[Problem]:
    """Problems of `current` against `accepted` (None: no accepted report yet, floors only).

    `floor_files`: the held-out files the floors apply to (None: every file)."""
    floors = DEFAULT_FLOORS if floors is None else floors
    now = figures(current)["files"]
    before = figures(accepted)["files"] if accepted else {}
    floor_set = None if floor_files is None else set(floor_files)
    lines: List[Problem] = []

    if not accepted:
        lines.append(Problem("还没有接受过的评估报告，只检查了及格线；结果没问题就运行 `make eval-accept`。"
                             " / no accepted report yet: only the floors were checked;"
                             " run `make eval-accept` once the figures are right.", fails=False))
    for name in before:
        if name not in now:
            lines.append(Problem(f"{name}：接受的报告里有这个留出文件，这次却没有评估到（文件被删或改名？）。"
                                 f" / {name}: in the accepted report but not evaluated this time"
                                 " (file removed or renamed?)."))
    for name, result in now.items():
        pipe = result["pipeline"]
        old = before.get(name)
        if accepted and old is None:
            lines.append(Problem(f"{name}：新的留出文件，接受的报告里还没有它（macro-F1 {pipe['macro_f1']:.4f}）。"
                                 f" / {name}: new held-out file, not in the accepted report"
                                 f" (macro-F1 {pipe['macro_f1']:.4f}).", fails=False))
        if old is not None:
            drop = old["pipeline"]["macro_f1"] - pipe["macro_f1"]
            allowed = margin_for(name, margin)
            if drop > allowed + _EPS:
                lines.append(Problem(
                    f"{name}：macro-F1 从 {old['pipeline']['macro_f1']:.4f} 降到 {pipe['macro_f1']:.4f}"
                    f"（下降 {drop:.4f}，允许 {allowed:.4f}）。找出最近哪次改动让识别变差；"
                    f"确实要接受就运行 `make eval-accept`。"
                    f" / {name}: macro-F1 fell from {old['pipeline']['macro_f1']:.4f} to"
                    f" {pipe['macro_f1']:.4f} (by {drop:.4f}, margin {allowed:.4f})."))
            old_intents = old["pipeline"].get("per_intent", {})
            for intent in sorted(set(pipe.get("per_intent", {})) - set(old_intents)):
                lines.append(Problem(
                    f"{name}：新意图 {intent} 不在接受的报告里（F1 {pipe['per_intent'][intent]['f1']:.4f}）。"
                    f" / {name}: new intent {intent}, not in the accepted report"
                    f" (F1 {pipe['per_intent'][intent]['f1']:.4f}).", fails=False))
            for intent in sorted(set(old_intents) - set(pipe.get("per_intent", {}))):
                lines.append(Problem(
                    f"{name}：意图 {intent} 在接受的报告里有，这次没有测试句。"
                    f" / {name}: intent {intent} is in the accepted report"
                    " but has no examples now.",
                    fails=False))
        if floor_set is not None and name not in floor_set:
            continue
        for intent, row in sorted(pipe.get("per_intent", {}).items()):
            if not row.get("support", 1):
                continue
            for metric, minimum in sorted(floor_for(intent, floors).items()):
                value = row.get(metric)
                if value is not None and value < float(minimum) - _EPS:
                    lines.append(Problem(
                        f"{name}：意图 {intent} 的 {metric} 是 {value:.4f}，低于及格线 {float(minimum):.2f}。"
                        f"{_ADVICE.get(metric, _ADVICE['f1'])}"
                        f" / {name}: intent {intent} {metric} {value:.4f} is below its floor"
                        f" {float(minimum):.2f}."))
    return lines


def passes(lines: Iterable[str]) -> bool:
    return not failures(lines)


# ---- files -------------------------------------------------------------------------------
def load_floors(path: Path = FLOORS_FILE) -> FloorSettings:
    """{'margin': float or {file: float, 'default': float}, 'floors': {intent: {metric:
    min}}, 'files': [names the floors apply to] or None (every file)}."""
    settings: FloorSettings = {"margin": DEFAULT_MARGIN, "floors": DEFAULT_FLOORS, "files": None}
    if Path(path).is_file():
        import yaml

        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        margin = data.get("margin", DEFAULT_MARGIN)
        settings["margin"] = ({str(k): float(v) for k, v in margin.items()}
                              if isinstance(margin, dict) else float(margin))
        settings["floors"] = {str(k): {str(m): float(v) for m, v in (metrics or {}).items()}
                              for k, metrics in (data.get("floors") or DEFAULT_FLOORS).items()}
        settings["files"] = data.get("files")
    return settings


def load_accepted(path: Path = ACCEPTED_FILE) -> Optional[Figures]:
    if not Path(path).is_file():
        return None
    accepted: Figures = json.loads(Path(path).read_text(encoding="utf-8"))
    return accepted


def check(current: Report, accepted_path: Path = ACCEPTED_FILE,
          floors_path: Path = FLOORS_FILE) -> List[Problem]:
    settings = load_floors(floors_path)
    return compare(current, load_accepted(accepted_path), settings["margin"], settings["floors"],
                   settings["files"])


def comparison_rows(current: Report, accepted: Optional[Report]) -> List[ComparisonRow]:
    """(file, accepted macro-F1 or None, current macro-F1, baseline macro-F1) per file."""
    now = figures(current)["files"]
    before = figures(accepted)["files"] if accepted else {}
    names = list(now) + [n for n in before if n not in now]
    rows: List[ComparisonRow] = []
    for name in names:
        old = before.get(name, {}).get("pipeline", {}).get("macro_f1")
        cur = now.get(name, {}).get("pipeline", {}).get("macro_f1")
        base = now.get(name, {}).get("baseline", {}).get("macro_f1")
        rows.append((name, old, cur, base))
    return rows


def print_comparison(current: Report, accepted: Optional[Report], lines: List[Problem]) -> None:
    def fmt(x: Optional[float]) -> str:
        return f"{x:.4f}" if x is not None else "-"

    print("\n== 与接受的报告比较 / against the accepted report (pipeline macro-F1)")
    print(f"{'held-out file':<52}{'accepted':>10}{'now':>10}{'change':>10}{'baseline':>10}")
    for name, old, cur, base in comparison_rows(current, accepted):
        change = f"{cur - old:+.4f}" if old is not None and cur is not None else "-"
        print(f"{name:<52}{fmt(old):>10}{fmt(cur):>10}{change:>10}{fmt(base):>10}")
    for line in lines:
        print(line)
    if passes(lines):
        print("评估门槛通过 / eval gate passed")
    else:
        print(f"评估门槛没通过：{len(failures(lines))} 个问题 / eval gate FAILED:"
              f" {len(failures(lines))} problem(s)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", default="reports/nlu_eval.json")
    parser.add_argument("--accepted", default=str(ACCEPTED_FILE))
    parser.add_argument("--floors", default=str(FLOORS_FILE))
    args = parser.parse_args(argv)
    current = json.loads(Path(args.report).read_text(encoding="utf-8"))
    lines = check(current, Path(args.accepted), Path(args.floors))
    print_comparison(current, load_accepted(Path(args.accepted)), lines)
    return 0 if passes(lines) else 1


if __name__ == "__main__":
    sys.exit(main())
