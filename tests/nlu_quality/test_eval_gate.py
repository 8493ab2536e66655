"""The score gate (bot/nlu/eval_gate.py): the trained model against the accepted report in
tests/heldout/accepted_eval.json, and the gate's rules on made-up reports.

Uses the model `make test` already trains (no second training) and no cross-validation:
the held-out files are parsed once (the parses are shared with test_heldout / test_sealed)."""
import json

import pytest

from bot.classify.examples import training_examples
from bot.devstack import trained_model
from bot.nlu import eval_gate
from bot.nlu.evaluate import evaluate_heldout, without_texts


# ---- made-up reports ---------------------------------------------------------------------
def _report(files):
    """{file: {intent: f1 or (f1, recall)}} -> a report in the accepted form (recall 1.0
    unless given)."""
    out = {}
    for name, intents in files.items():
        per_intent = {}
        for intent, value in intents.items():
            f1, recall = value if isinstance(value, tuple) else (value, 1.0)
            per_intent[intent] = {"precision": f1, "recall": recall, "f1": f1, "support": 20}
        macro = sum(r["f1"] for r in per_intent.values()) / len(per_intent)
        side = {"macro_f1": macro, "accuracy": macro, "errors": 0, "per_intent": per_intent}
        out[name] = {"examples": 20 * len(per_intent), "pipeline": side, "baseline": side}
    return {"files": out}


FLOORS = {"default": {"f1": 0.8}, "crisis": {"recall": 1.0}, "report_scam": {"recall": 0.9}}
ACCEPTED = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96},
                    "sealed": {"greet": 0.95, "crisis": 0.93, "report_scam": 0.95}})


def test_the_same_figures_pass():
    assert eval_gate.passes(eval_gate.compare(ACCEPTED, ACCEPTED, 0.01, FLOORS))


def test_a_drop_within_the_margin_passes():
    current = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96 - 0.02},
                       "sealed": {"greet": 0.95, "crisis": 0.93, "report_scam": 0.95}})
    lines = eval_gate.compare(current, ACCEPTED, 0.01, FLOORS)
    assert eval_gate.passes(lines), lines  # macro-F1 falls by 0.0067


def test_a_drop_beyond_the_margin_fails_and_names_the_file():
    current = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96},
                       "sealed": {"greet": 0.90, "crisis": 0.93, "report_scam": 0.92}})
    lines = eval_gate.failures(eval_gate.compare(current, ACCEPTED, 0.01, FLOORS))
    assert len(lines) == 1 and "sealed" in lines[0] and "macro-F1" in lines[0], lines
    assert "不合格" in lines[0]


def test_a_margin_per_file():
    current = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96},
                       "sealed": {"greet": 0.90, "crisis": 0.93, "report_scam": 0.92}})
    margin = {"default": 0.01, "sealed": 0.05}
    assert eval_gate.passes(eval_gate.compare(current, ACCEPTED, margin, FLOORS))


def test_an_intent_below_its_floor_fails():
    # crisis recall 0.95 < 1.0: fails even though macro-F1 barely moves
    current = _report({"heldout": {"greet": 0.96, "crisis": (0.94, 0.95), "report_scam": 0.96},
                       "sealed": {"greet": 0.95, "crisis": 0.93, "report_scam": 0.95}})
    lines = eval_gate.failures(eval_gate.compare(current, ACCEPTED, 0.01, FLOORS))
    assert len(lines) == 1 and "crisis" in lines[0] and "recall" in lines[0], lines


def test_the_default_floor_applies_to_other_intents():
    accepted = _report({"heldout": {"greet": 0.79, "crisis": (0.94, 1.0)}})
    lines = eval_gate.failures(eval_gate.compare(accepted, accepted, 0.01, FLOORS))
    assert len(lines) == 1 and "greet" in lines[0] and "f1" in lines[0], lines


def test_floors_only_on_the_files_named():
    current = _report({"heldout": {"greet": 0.96, "crisis": 1.0},
                       "sealed/one_writer": {"greet": 0.75, "crisis": 1.0}})
    lines = eval_gate.compare(current, current, 0.01, FLOORS, floor_files=["heldout"])
    assert eval_gate.passes(lines), lines


def test_a_new_intent_is_reported_but_does_not_fail():
    current = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96,
                                   "ask_cancel_card": 0.97},
                       "sealed": {"greet": 0.95, "crisis": 0.93, "report_scam": 0.95}})
    lines = eval_gate.compare(current, ACCEPTED, 0.01, FLOORS)
    assert eval_gate.passes(lines), lines
    assert any("ask_cancel_card" in line and not line.fails for line in lines), lines


def test_a_new_intent_below_its_floor_still_fails():
    current = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96,
                                   "ask_cancel_card": 0.5},
                       "sealed": {"greet": 0.95, "crisis": 0.93, "report_scam": 0.95}})
    lines = eval_gate.failures(eval_gate.compare(current, ACCEPTED, 0.2, FLOORS))
    assert len(lines) == 1 and "ask_cancel_card" in lines[0], lines


def test_a_file_missing_from_the_run_fails_a_new_file_does_not():
    current = _report({"heldout": {"greet": 0.96, "crisis": 0.94, "report_scam": 0.96},
                       "sealed/new_writer": {"greet": 0.9, "crisis": 1.0}})
    lines = eval_gate.compare(current, ACCEPTED, 0.01, FLOORS)
    failing = eval_gate.failures(lines)
    assert len(failing) == 1 and "sealed" in failing[0], lines
    assert any("sealed/new_writer" in line and not line.fails for line in lines), lines


def test_no_accepted_report_checks_the_floors_only():
    lines = eval_gate.compare(ACCEPTED, None, 0.01, FLOORS)
    assert eval_gate.passes(lines) and len(lines) == 1, lines


def test_a_full_report_and_its_figures_compare_alike():
    full = {"model": "m.tar.gz", "training_examples": 1, "heldout": {
        "heldout": {"pipeline": {"macro_f1": 0.9, "accuracy": 0.9, "errors": 1, "examples": 10,
                                 "per_intent": {"greet": {"precision": 0.9, "recall": 0.9,
                                                          "f1": 0.9, "support": 10}}},
                    "baseline": {"macro_f1": 0.8, "accuracy": 0.8, "errors": 2, "examples": 10,
                                 "per_intent": {}},
                    "misread": [{"text": "你好呀", "gold": "greet"}]}}}
    figures = eval_gate.figures(full)
    assert "你好呀" not in json.dumps(figures, ensure_ascii=False)
    assert eval_gate.passes(eval_gate.compare(full, figures, 0.01, FLOORS))


# ---- the accepted report in the repo -----------------------------------------------------
def test_the_accepted_report_holds_figures_only():
    accepted = eval_gate.load_accepted()
    assert accepted, "tests/heldout/accepted_eval.json is missing: run `make eval-accept`"
    text = json.dumps(accepted, ensure_ascii=False)
    assert "misread" not in text and '"text"' not in text
    for result in accepted["files"].values():
        assert set(result["pipeline"]) == {"macro_f1", "accuracy", "errors", "per_intent"}


@pytest.fixture(scope="module")
def current():
    train = training_examples()
    return {"heldout": {name: without_texts(result) for name, result in
                        evaluate_heldout(str(trained_model()), train).items()}}


def test_the_trained_model_passes_the_gate(current):
    lines = eval_gate.check(current)
    assert eval_gate.passes(lines), "\n" + "\n".join(lines)
