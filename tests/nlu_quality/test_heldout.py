"""The trained model on tests/heldout/nlu_heldout.yml (written with the training data, never
trained on). `make eval` prints the table; this test fails when the model gets clearly worse,
falls behind the baseline, or a safety intent starts slipping."""
import pytest

from bot.classify.examples import HELDOUT_FILE, read_file, training_examples
from bot.devstack import trained_model
from bot.nlu.evaluate import compare_on

# Below the measured figure, so that run-to-run noise does not fail the build; a real
# regression (a broken component, mislabelled data) falls well under it.
MIN_MACRO_F1 = 0.95


@pytest.fixture(scope="module")
def result():
    return compare_on(str(trained_model()), read_file(HELDOUT_FILE), training_examples())


def test_macro_f1(result):
    assert result["pipeline"]["macro_f1"] >= MIN_MACRO_F1


def test_no_more_errors_than_the_baseline(result):
    assert result["pipeline"]["errors"] <= result["baseline"]["errors"]


def test_no_crisis_message_is_missed(result):
    assert result["pipeline"]["per_intent"]["crisis"]["recall"] == 1.0, \
        [e for e in result["misread"] if e["gold"] == "crisis"]


def test_every_intent_is_recognised_most_of_the_time(result):
    weak = {i: round(r["f1"], 3) for i, r in result["pipeline"]["per_intent"].items()
            if r["f1"] < 0.8}
    assert not weak, weak
