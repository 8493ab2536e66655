"""The four distress levels on the sealed file (tests/distress/sealed/, written by helpers who
never saw data/distress; never trained on, never tuned to), through the detector alone.

Targets (issue: safety): every crisis caught as crisis or possible crisis; false crisis at
most 1% of none and distress. The other floors sit at the first score, so a change that
makes the detector worse on new text fails here.
"""
import pytest

from bot.distress.evaluate import evaluate_sealed, sealed_items


@pytest.fixture(scope="module")
def results():
    return evaluate_sealed()


def test_the_sealed_file_is_big_enough_for_every_level():
    counts = {}
    for _, level in sealed_items():
        counts[level] = counts.get(level, 0) + 1
    assert set(counts) == {"none", "distress", "possible_crisis", "crisis"}
    assert min(counts.values()) >= 100, counts


def test_every_crisis_is_caught(results):
    assert results["detector"]["crisis_caught"] == 1.0


def test_false_crisis_at_most_one_percent(results):
    assert results["detector"]["false_crisis"] <= 0.01


def test_possible_crisis_mostly_caught_and_few_false_alarms(results):
    assert results["detector"]["possible_caught"] >= 0.95
    assert results["detector"]["false_possible"] <= 0.05


def test_the_detector_catches_more_than_the_lexicon_and_the_baseline(results):
    ours, lexicon, base = results["detector"], results["lexicon only"], results["baseline"]
    assert ours["crisis_caught"] >= max(lexicon["crisis_caught"], base["crisis_caught"])
    assert ours["possible_caught"] >= max(lexicon["possible_caught"], base["possible_caught"])
    assert ours["false_crisis"] <= min(lexicon["false_crisis"], base["false_crisis"])
