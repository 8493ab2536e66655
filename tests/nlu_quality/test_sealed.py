"""The trained pipeline against the plain baseline on the sealed held-out files
(tests/heldout/sealed/: written by helpers who never saw data/nlu; never trained on).
Uses the model `make test` already trains; the baseline trains here in seconds."""
import pytest

from bot.classify.examples import sealed_examples, training_examples
from bot.devstack import trained_model
from bot.nlu.evaluate import compare_on


@pytest.fixture(scope="module")
def result():
    return compare_on(str(trained_model()), sealed_examples(), training_examples())


def test_sealed_file_has_at_least_25_examples_per_intent():
    counts = {}
    for _, intent in sealed_examples():
        counts[intent] = counts.get(intent, 0) + 1
    assert len(counts) >= 26 and min(counts.values()) >= 25, counts


def test_the_pipeline_makes_fewer_errors_than_the_baseline(result):
    assert result["pipeline"]["errors"] < result["baseline"]["errors"], (
        result["pipeline"]["errors"], result["baseline"]["errors"])


def test_no_sealed_crisis_message_misses_the_safety_path(result):
    assert result["pipeline"]["per_intent"]["crisis"]["recall"] == 1.0


def test_scams_are_recognised(result):
    assert result["pipeline"]["per_intent"]["report_scam"]["recall"] >= 0.9
