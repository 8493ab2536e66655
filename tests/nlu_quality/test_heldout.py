"""The trained model on the held-out file (never trained on). `make eval` prints the table;
this test fails when the model gets clearly worse or a safety intent starts slipping."""
import pytest

from bot.devstack import trained_model
from bot.nlu.evaluate import evaluate, macro_f1

# Below the 0.95 target, so that run-to-run training noise does not fail the build; a
# real regression (a broken component, mislabelled data) falls well under it.
MIN_MACRO_F1 = 0.92
MIN_CRISIS_RECALL = 1.0


@pytest.fixture(scope="module")
def result():
    return evaluate(str(trained_model()))


def test_macro_f1(result):
    assert macro_f1(result["assistant"]) >= MIN_MACRO_F1


def test_no_crisis_message_is_missed(result):
    assert result["assistant"]["crisis"]["recall"] >= MIN_CRISIS_RECALL, \
        [e for e in result["errors"] if e["gold"] == "crisis"]


def test_every_intent_is_recognised_most_of_the_time(result):
    weak = {i: round(r["f1"], 3) for i, r in result["assistant"].items() if r["f1"] < 0.8}
    assert not weak, weak
