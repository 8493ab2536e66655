"""Print recall / false alarms per level on the labelled sentences.

    python -m bot.distress.report [--labelled FILE] [--lexicon FILE] [--verbose]

Lexicon only (no NLU intent), which is the detector's conservative floor.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml

from .detector import Level, Lexicon, assess_message, load_lexicon

# Repo layout: bot/distress/report.py → tests/distress/labelled.yml
DEFAULT_LABELLED = Path(__file__).resolve().parents[2] / "tests" / "distress" / "labelled.yml"


@dataclass(frozen=True)
class Item:
    text: str
    level: Level
    tags: tuple[str, ...] = ()


@dataclass
class LevelStats:
    level: Level
    support: int = 0  # items labelled this level
    caught: int = 0  # labelled this level and predicted this level
    predicted: int = 0  # predicted this level
    false_alarms: int = 0  # predicted this level, labelled otherwise
    others: int = 0  # items labelled another level

    @property
    def recall(self) -> float:
        return self.caught / self.support if self.support else 1.0

    @property
    def precision(self) -> float:
        return self.caught / self.predicted if self.predicted else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.others if self.others else 0.0


@dataclass
class Evaluation:
    stats: dict[Level, LevelStats]
    confusion: dict[tuple[Level, Level], int]  # (labelled, predicted) → count
    errors: list[tuple[Item, Level, list[str]]] = field(default_factory=list)


def load_labelled(path: str | Path | None = None) -> list[Item]:
    with open(path or DEFAULT_LABELLED, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    items = []
    for i, raw in enumerate(data["items"]):
        try:
            items.append(Item(str(raw["text"]), Level(raw["level"]), tuple(raw.get("tags") or ())))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"labelled item {i}: {raw!r}: {exc}") from None
    return items


def evaluate(items: Sequence[Item], lexicon: Lexicon | None = None) -> Evaluation:
    lex = lexicon or load_lexicon()
    stats = {lv: LevelStats(lv) for lv in Level}
    confusion = {(a, b): 0 for a in Level for b in Level}
    errors = []
    for item in items:
        got = assess_message(item.text, lexicon=lex, classifier=False)
        confusion[(item.level, got.level)] += 1
        if got.level is not item.level:
            errors.append((item, got.level, got.reasons))
        for lv, st in stats.items():
            if item.level is lv:
                st.support += 1
                st.caught += got.level is lv
            else:
                st.others += 1
                st.false_alarms += got.level is lv
            st.predicted += got.level is lv
    return Evaluation(stats, confusion, errors)


def format_report(ev: Evaluation) -> str:
    lines = [
        f"{'level':<9} {'n':>4} {'recall':>8} {'precision':>9} {'false alarms':>13} {'FA rate':>8}",
    ]
    for lv in Level:
        s = ev.stats[lv]
        lines.append(
            f"{lv.value:<9} {s.support:>4} {s.recall:>8.3f} {s.precision:>9.3f} "
            f"{s.false_alarms:>6}/{s.others:<6} {s.false_alarm_rate:>8.3f}"
        )
    lines.append("")
    lines.append("confusion (rows = labelled, columns = predicted):")
    lines.append(" " * 10 + "".join(f"{lv.value:>10}" for lv in Level))
    for a in Level:
        lines.append(f"{a.value:<10}" + "".join(f"{ev.confusion[(a, b)]:>10}" for b in Level))
    lines.append("")
    lines.append(f"'none' flagged crisis: {ev.confusion[(Level.NONE, Level.CRISIS)]}; "
                 f"crisis missed: {ev.stats[Level.CRISIS].support - ev.stats[Level.CRISIS].caught}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.distress.report", description=__doc__.split("\n")[0])
    ap.add_argument("--labelled", default=None, help="labelled YAML (default tests/distress/labelled.yml)")
    ap.add_argument("--lexicon", default=None, help="lexicon YAML (default bot/distress/lexicon.yml)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every misclassified sentence")
    args = ap.parse_args(argv)

    items = load_labelled(args.labelled)
    ev = evaluate(items, load_lexicon(args.lexicon))
    print(f"{len(items)} labelled sentences, lexicon only (no NLU intent)\n")
    print(format_report(ev))
    if ev.errors:
        print(f"\nmisclassified: {len(ev.errors)}" + ("" if args.verbose else " (use -v to list)"))
        if args.verbose:
            for item, got, reasons in ev.errors:
                print(f"  [{item.level.value} → {got.value}] {item.text}  {reasons}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
