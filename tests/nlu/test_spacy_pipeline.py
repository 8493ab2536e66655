"""The spaCy pipeline: jieba with our user dictionary, finance terms, value spans."""
import json
import re
from datetime import date

import pytest

from bot.nlu import spacy_pipeline as sp
from bot.nlu.normalise import extract

TODAY = date(2026, 11, 23)

REQUIRED_WORDS = (
    "逾期 最低还款 个性化分期 停息挂账 征信 违约金 罚息 花呗 借呗 白条 微粒贷 网贷 分期 "
    "延期还款 协商还款 账单日 还款日 信用卡 催收 爆通讯录 宽限期 容时 容差 黑户 "
    "失信被执行人 限高 以贷养贷 年化利率 手续费 本金 利息"
).split()


def _dictionary_lines():
    (path,) = sp.dictionary_files()
    return path.read_text(encoding="utf-8").splitlines()


def test_dictionary_folder_holds_only_the_dictionary():
    # Rasa's JiebaTokenizer loads *every* file in dictionary_path
    assert [p.name for p in sp.dictionary_files()] == ["finance.txt"]


def test_dictionary_format_and_coverage():
    lines = _dictionary_lines()
    words = []
    for line in lines:
        assert re.fullmatch(r"\S+ \d+ [a-z]+", line), line
        words.append(line.split()[0])
    assert len(set(words)) == len(words) >= 80
    missing = [w for w in REQUIRED_WORDS if w not in words]
    assert not missing


def test_pipeline_is_cached_and_uses_jieba():
    nlp = sp.get_nlp()
    assert sp.get_nlp() is nlp
    assert nlp.lang == "zh"
    assert nlp.tokenizer.segmenter == "jieba"
    assert nlp.pipe_names == ["entity_ruler", "finance_values"]


@pytest.mark.parametrize(
    "word", ["个性化分期", "停息挂账", "最低还款额", "爆通讯录", "失信被执行人", "以贷养贷", "微粒贷"]
)
def test_user_dictionary_words_are_single_tokens(word):
    assert word in sp.tokens(f"我想问一下{word}的事")


def test_tokens_in_context():
    assert sp.tokens("我想申请个性化分期") == ["我", "想", "申请", "个性化分期"]
    assert sp.tokens("能不能停息挂账") == ["能", "不能", "停息挂账"]


def test_rasa_jieba_tokenizer_sees_the_same_segmentation():
    from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
    from rasa.shared.nlu.training_data.message import Message

    JiebaTokenizer._load_custom_dictionary(str(sp.DICTIONARY_DIR))
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": str(sp.DICTIONARY_DIR)}
    tokenizer = JiebaTokenizer(config, None, None)
    text = "信用卡逾期了，能不能停息挂账或者个性化分期，会不会爆通讯录"
    rasa_tokens = [t.text for t in tokenizer.tokenize(Message.build(text=text), "text")]
    assert rasa_tokens == sp.tokens(text)
    assert "停息挂账" in rasa_tokens and "个性化分期" in rasa_tokens


def test_patterns_file_terms_are_dictionary_words():
    words = {line.split()[0] for line in _dictionary_lines()}
    labels = set()
    for line in sp.PATTERNS_FILE.read_text(encoding="utf-8").splitlines():
        pattern = json.loads(line)
        labels.add(pattern["label"])
        assert pattern["pattern"] in words, pattern
        assert sp.tokens(pattern["pattern"]) == [pattern["pattern"]]
    assert labels == set(sp.TERM_LABELS)


def test_entity_ruler_finds_finance_terms():
    terms = sp.finance_terms("信用卡逾期会上征信吗，能停息挂账吗，他们要爆通讯录")
    assert ("信用卡", "PRODUCT") in terms
    assert ("征信", "CREDIT") in terms
    assert ("停息挂账", "PLAN") in terms
    assert ("爆通讯录", "COLLECTION") in terms


def test_finance_spans_carry_normalised_values():
    text = "我借了3千5分12期，下个月5号还"
    doc = sp.analyse(text, TODAY)
    spans = list(doc.spans[sp.SPAN_KEY])
    assert [(s.label_, s._.finance.value) for s in spans] == [
        ("amount", 3500),
        ("months", 12),
        ("date", "2026-12-05"),
    ]
    assert all(s._.aligned for s in spans)


@pytest.mark.parametrize(
    "text",
    ["我借了3千5分12期", "下周五还1.5万", "一年半还清", "月底前还两万三", "", "😭😭", "<b>还500</b>"],
)
def test_pipeline_agrees_with_normaliser(text):
    assert sp.extract_entities(text, TODAY) == extract(text, TODAY)


def test_today_is_per_call():
    assert sp.extract_entities("明天", date(2026, 1, 1))[0].value == "2026-01-02"
    assert sp.extract_entities("明天", TODAY)[0].value == "2026-11-24"


def test_misaligned_reports_annotations_that_cut_a_token():
    text = "我要还五百块钱"
    assert sp.tokens(text)[-2:] == ["五百块", "钱"]
    assert sp.misaligned(text, 3, 7) is None  # 五百块钱
    assert sp.misaligned(text, 3, 5) == (3, 6)  # 五百 cuts 五百块


def test_long_and_odd_input():
    text = ("<div>我下个月5号还3千5 😭</div>" * 250)[:5000]
    found = sp.extract_entities(text, TODAY)
    assert len(found) > 100
    for e in found:
        assert text[e.start:e.end] == e.text
