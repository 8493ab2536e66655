"""The linear text model's own arithmetic (LinearTextModel.margins) gives what
scikit-learn's TF-IDF transform gives, for a trained and for a reloaded model: the fast path
changes speed only."""
import numpy as np
import pytest

from bot.classify.examples import training_examples
from bot.classify.linear import LinearTextModel

TEXTS = [
    "我失业了还不上信用卡", "逾期一个月要交多少违约金", "能不能分24期", "hb yq了咋办",
    "", "😭😭😭", "<b>你好</b>", "'; DROP TABLE borrowers; --", "/crisis", "佢話我要坐監",
    "我下个月5号还3千5，剩下的分12期。" * 50, "zzzz qqqq 完全没见过的词 qwertyuiop",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    examples = training_examples()[::4]  # a quarter of data/nlu: every intent, quick to fit
    model = LinearTextModel().fit([t for t, _ in examples], [i for _, i in examples])
    directory = tmp_path_factory.mktemp("linear")
    model.save(directory)
    return model, LinearTextModel.load(directory), [t for t, _ in examples[:200]]


def test_the_fast_margins_equal_scikit_learns(trained):
    model, reloaded, seen = trained
    for m in (model, reloaded):
        texts = TEXTS + seen
        assert np.allclose(m.margins(texts), m.sklearn_margins(texts), atol=1e-9)


def test_a_reloaded_model_ranks_as_the_trained_one(trained):
    model, reloaded, _ = trained
    assert model.rank(TEXTS) == reloaded.rank(TEXTS)
