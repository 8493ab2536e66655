"""Distress detector: labelled-set quality, guards, thresholds, conversation signals.

The labelled set (labelled.yml) is run lexicon-only (no NLU intent): that is
the detector's floor. Safety requirement: every crisis sentence is caught and
no 'none' sentence is flagged crisis.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.distress import Level, LexiconError, TurnSignal, load_lexicon, normalise
from bot.distress import assess_conversation as _assess_conversation
from bot.distress import assess_message as _assess_message
from bot.distress.detector import DEFAULT_LEXICON_PATH, parse_lexicon
from bot.distress.report import evaluate, load_labelled
from bot.distress.report import main as report_main

HERE = Path(__file__).parent
# These tests pin the lexicon-and-intent layer; the level classifier on top of it is tested
# in test_levels.py on the sealed file.
LEXICON_LEVELS = (Level.NONE, Level.DISTRESS, Level.CRISIS)


def assess_message(*args, **kwargs):
    return _assess_message(*args, classifier=False, **kwargs)


def assess_conversation(*args, **kwargs):
    return _assess_conversation(*args, classifier=False, **kwargs)
ITEMS = load_labelled(HERE / "labelled.yml")


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


def _raw_lexicon() -> dict:
    with open(DEFAULT_LEXICON_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _write_copy(tmp_path: Path, mutate) -> Path:
    data = _raw_lexicon()
    mutate(data)
    path = tmp_path / "lexicon.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------- labelled set


def test_labelled_set_size_balance_and_coverage():
    assert len(ITEMS) >= 180
    counts = Counter(i.level for i in ITEMS)
    for level in LEXICON_LEVELS:
        share = counts[level] / len(ITEMS)
        assert 0.30 <= share <= 0.37, (level, counts)
    texts = [i.text for i in ITEMS]
    dupes = [t for t, n in Counter(texts).items() if n > 1]
    assert not dupes, dupes
    tags = Counter(t for i in ITEMS for t in i.tags)
    for needed in ("hard_negative", "indirect", "guard_mix", "trad", "typo", "emoji"):
        assert tags[needed] >= 3, (needed, tags)


@pytest.mark.parametrize(
    "text", [i.text for i in ITEMS if i.level is Level.CRISIS]
)
def test_every_crisis_sentence_is_caught(text, lex):
    got = assess_message(text, lexicon=lex)
    assert got.level is Level.CRISIS, (text, got.reasons)
    assert got.escalate


@pytest.mark.parametrize("text", [i.text for i in ITEMS if i.level is Level.NONE])
def test_no_none_sentence_is_flagged_crisis(text, lex):
    got = assess_message(text, lexicon=lex)
    assert got.level is not Level.CRISIS, (text, got.reasons)


def test_distress_recall_and_precision(lex, capsys):
    ev = evaluate(ITEMS, lex)
    d = ev.stats[Level.DISTRESS]
    with capsys.disabled():
        print(f"\n[distress] recall={d.recall:.3f} precision={d.precision:.3f} "
              f"(n={d.support}, predicted={d.predicted})")
    assert d.recall >= 0.9, [(i.text, g.value) for i, g, _ in ev.errors]
    assert d.precision >= 0.9, [(i.text, g.value) for i, g, _ in ev.errors]
    assert ev.stats[Level.CRISIS].recall == 1.0
    assert ev.confusion[(Level.NONE, Level.CRISIS)] == 0


def test_scores_fall_in_the_band_of_their_level(lex):
    for item in ITEMS:
        got = assess_message(item.text, lexicon=lex)
        lo, hi = {Level.NONE: (0, 0.4), Level.DISTRESS: (0.4, 0.8), Level.CRISIS: (0.8, 1.0001)}[got.level]
        assert lo <= got.score < hi, (item.text, got.level, got.score)


# ---------------------------------------------------------------- normalisation


def test_normalise_fullwidth_traditional_spaces_emoji(lex):
    assert normalise("ＷＯ　ｘｉａｎｇ", lex) == "woxiang"
    assert normalise("活著 沒意思😭😭", lex) == "活着没意思"
    assert normalise("不 想\t活～了🙏🏻", lex) == "不想活了"
    assert normalise("遺書，結束這一切", lex) == "遗书,结束这一切"  # sentence punctuation kept


# ----------------------------------------------------------------------- guards


@pytest.mark.parametrize("text", [
    "笑死", "这利息真要命", "急死了", "累死了", "烦死了", "气死我了", "死活找不到入口",
    "手机死机了", "页面死循环", "饿死了", "热死了", "困死了", "尴尬死了", "周末不想活动",
    "别作死", "这手续费死贵", "这要死要活的流程", "想死你了", "商场跳楼价",
    "终于还清了，解脱了", "我想死磕到底", "系统崩溃了", "紫砂壶",
])
def test_guards_keep_everyday_exaggeration_out_of_crisis(text, lex):
    assert assess_message(text, lexicon=lex).level is not Level.CRISIS


@pytest.mark.parametrize("text", [
    "笑死了，我想死",
    "想死你了……算了，其实我是真的想死",
    "累死了，真的不想活了",
    "不想干活了，也不想活了",
    "这利息真要命，我不想活了",
    "急死了急死了，活着没意思",
])
def test_guard_only_cancels_the_phrase_it_overlaps(text, lex):
    got = assess_message(text, lexicon=lex)
    assert got.level is Level.CRISIS, got.reasons


def test_guarded_hits_are_reported(lex):
    got = assess_message("我想死磕到底", lexicon=lex)
    assert got.level is Level.NONE
    assert any(r.startswith("guarded:") for r in got.reasons)
    assert any(h.guarded_by for h in got.hits)


def test_guard_cancels_only_the_categories_it_names(lex):
    # "你…去死" is an insult: guard cancels crisis but it still counts as rage
    got = assess_message("你去死吧", lexicon=lex)
    assert got.level is not Level.CRISIS and got.rage
    # self-directed: crisis, and not counted as an insult
    got = assess_message("我去死吧", lexicon=lex)
    assert got.level is Level.CRISIS and not got.rage


def test_distress_guards_for_system_and_negation(lex):
    assert assess_message("APP又崩溃了", lexicon=lex).level is Level.NONE
    assert assess_message("我不焦虑", lexicon=lex).level is Level.NONE
    assert assess_message("我快崩溃了", lexicon=lex).level is Level.DISTRESS


# ---------------------------------------------------------- intents & thresholds


def test_crisis_lexicon_alone_is_enough_and_nlu_cannot_remove_it(lex):
    got = assess_message("我不想活了", intent="ask_installment", confidence=0.99, lexicon=lex)
    assert got.level is Level.CRISIS and got.escalate


def test_crisis_intent_thresholds(lex):
    st = lex.settings
    text = "准备好了，今晚就走"  # indirect; only the NLU can see it
    assert assess_message(text, lexicon=lex).level is Level.NONE
    hi = st.crisis_intent_min_confidence
    mid = st.crisis_intent_distress_min_confidence
    assert assess_message(text, "crisis", hi, lex).level is Level.CRISIS
    assert assess_message(text, "crisis", hi - 0.01, lex).level is Level.DISTRESS
    assert assess_message(text, "crisis", mid, lex).level is Level.DISTRESS
    assert assess_message(text, "crisis", mid - 0.01, lex).level is Level.NONE
    got = assess_message("我已经决定了，就这样结束吧", "crisis", 0.9, lex)
    assert got.level is Level.CRISIS and "crisis_intent:0.90" in got.reasons


def test_crisis_intent_with_distress_words(lex):
    c = lex.settings.crisis_intent_with_distress_words_min_confidence
    assert assess_message("我真的撑不住了", "crisis", c, lex).level is Level.CRISIS
    assert assess_message("我真的撑不住了", "crisis", c - 0.01, lex).level is Level.DISTRESS


def test_distress_intent_threshold(lex):
    t = lex.settings.distress_intent_min_confidence
    text = "最近事情有点多"
    assert assess_message(text, "express_distress", t, lex).level is Level.DISTRESS
    assert assess_message(text, "express_distress", t - 0.01, lex).level is Level.NONE
    assert assess_message(text, "express_distress", None, lex).level is Level.NONE


def test_guard_explains_a_crisis_intent(lex):
    got = assess_message("这利息真要命", "crisis", 0.95, lex)
    assert got.level is Level.NONE
    assert any(r.startswith("crisis_intent_explained_by_guard") for r in got.reasons)
    got = assess_message("我想死磕到底", "crisis", 0.95, lex)  # guard cancelled the candidate
    assert got.level is Level.NONE
    # a guard word in a long message does not explain away what else is said
    got = assess_message("累死了，感觉这一切都没有意义，我撑不了多久了", "crisis", 0.95, lex)
    assert got.level is Level.CRISIS


def test_weak_distress_words_need_company(lex):
    assert assess_message("压力大", lexicon=lex).level is Level.NONE
    assert assess_message("压力大，怎么办啊", lexicon=lex).level is Level.DISTRESS


def test_thresholds_are_read_from_the_file(tmp_path):
    def raise_bar(d):
        d["settings"]["crisis_intent_min_confidence"] = 0.95
    path = _write_copy(tmp_path, raise_bar)
    text = "准备好了，今晚就走"
    assert assess_message(text, "crisis", 0.9).level is Level.CRISIS
    assert assess_message(text, "crisis", 0.9, lexicon=path).level is Level.DISTRESS


def test_request_human_intent_and_phrase(lex):
    got = assess_message("你好", "request_human", 0.9, lex)
    assert got.wants_human and got.escalate and got.level is Level.NONE
    assert assess_message("帮我转人工", lexicon=lex).wants_human
    assert not assess_message("你好", "request_human", 0.3, lex).wants_human


def test_pure_and_deterministic(lex):
    a = assess_message("笑死了，我想死", "crisis", 0.7, lex)
    b = assess_message("笑死了，我想死", "crisis", 0.7, lex)
    assert a == b


# ------------------------------------------------------------------ conversation


def T(text="", intent=None, confidence=None, fallback=False):
    return TurnSignal(text, intent, confidence, fallback)


def test_conversation_empty_and_calm(lex):
    assert assess_conversation([], lex).level is Level.NONE
    got = assess_conversation([T("我想申请分期"), T("每期多少钱")], lex)
    assert got.level is Level.NONE and not got.escalate


def test_one_distress_turn_does_not_escalate(lex):
    got = assess_conversation([T("我想申请分期"), T("我快崩溃了")], lex)
    assert got.level is Level.DISTRESS and not got.escalate


def test_repeated_distress_escalates(lex):
    n = lex.settings.conversation.distress_turns_to_escalate
    turns = [T("我快崩溃了"), T("分期要多少钱"), T("晚上都睡不着")]
    assert n == 2
    got = assess_conversation(turns, lex)
    assert got.level is Level.DISTRESS and got.escalate
    assert any(r.startswith("repeated_distress") for r in got.reasons)


def test_distress_outside_window_is_forgotten(lex):
    w = lex.settings.conversation.window_turns
    turns = [T("我快崩溃了"), T("晚上都睡不着")] + [T("每期多少钱")] * w
    got = assess_conversation(turns, lex)
    assert got.level is Level.NONE and not got.escalate


def test_crisis_sticks_for_the_whole_conversation(lex):
    w = lex.settings.conversation.window_turns
    turns = [T("我不想活了")] + [T("好的，谢谢")] * (w + 3)
    got = assess_conversation(turns, lex)
    assert got.level is Level.CRISIS and got.escalate
    assert got.reasons[0] == "crisis_in_turns:0"


def test_nlu_crisis_in_a_turn_makes_conversation_crisis(lex):
    got = assess_conversation([T("你好"), T("准备好了，今晚就走", "crisis", 0.9)], lex)
    assert got.level is Level.CRISIS


def test_fallback_streak_and_total(lex):
    cs = lex.settings.conversation
    streak = [T("啊"), T("嗯？", fallback=True), T("？？", fallback=True)]
    got = assess_conversation(streak, lex)
    assert cs.fallback_streak_to_escalate == 2 and got.escalate
    assert any(r.startswith("fallback_streak") for r in got.reasons)
    one = [T("？？", fallback=True)]
    assert not assess_conversation(one, lex).escalate
    spread = [T("a", fallback=True), T("分期"), T("b", fallback=True), T("利息"), T("c", fallback=True)]
    got = assess_conversation(spread, lex)
    assert got.escalate and any(r.startswith("repeated_fallback") for r in got.reasons)


def test_rage_over_turns_escalates(lex):
    one = [T("你们这些骗子"), T("分期怎么弄")]
    got = assess_conversation(one, lex)
    assert got.rage and not got.escalate
    two = [T("你们这些骗子"), T("垃圾客服，听不懂人话")]
    got = assess_conversation(two, lex)
    assert got.escalate and any(r.startswith("repeated_rage") for r in got.reasons)
    assert got.level is Level.NONE  # anger is not distress by itself


def test_ask_for_human_escalates(lex):
    got = assess_conversation([T("分期"), T("嗯", "request_human", 0.8)], lex)
    assert got.escalate and "asked_for_human" in got.reasons
    got = assess_conversation([T("我要找真人客服")], lex)
    assert got.escalate


# --------------------------------------------------------- editing the data file


def test_editing_a_lexicon_copy_changes_results_without_code(tmp_path):
    text = "人间不值得，我撑够了"
    assert assess_message(text).level is Level.NONE

    def add_phrase(d):
        d["crisis"].append({"text": "人间不值得", "note": "added in a test"})
    path = _write_copy(tmp_path, add_phrase)
    got = assess_message(text, lexicon=path)
    assert got.level is Level.CRISIS and "crisis_phrase:人间不值得" in got.reasons

    # a new guard cancels it again (only the overlapping hit)
    def add_guard(d):
        add_phrase(d)
        d["guards"].append({"re": "人间不值得.{0,2}(这本书|这首歌)"})
    path = _write_copy(tmp_path, add_guard)
    assert assess_message("人间不值得这本书好看吗", lexicon=path).level is Level.NONE
    assert assess_message("人间不值得这首歌，人间不值得", lexicon=path).level is Level.CRISIS

    # the default file is untouched
    assert assess_message(text).level is Level.NONE


def test_edited_file_is_reloaded_in_place(tmp_path):
    path = tmp_path / "lexicon.yml"
    shutil.copy(DEFAULT_LEXICON_PATH, path)
    assert assess_message("人间不值得", lexicon=path).level is Level.NONE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["crisis"].append("人间不值得")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert assess_message("人间不值得", lexicon=path).level is Level.CRISIS


def test_traditional_phrase_in_file_is_normalised(tmp_path):
    def add(d):
        d["crisis"].append("人間不值得")
        d["normalise"]["traditional_to_simplified"]["間"] = "间"
    path = _write_copy(tmp_path, add)
    assert assess_message("人间不值得", lexicon=path).level is Level.CRISIS
    assert assess_message("人間不值得", lexicon=path).level is Level.CRISIS


@pytest.mark.parametrize("bad, message", [
    ({"crisis": [{"re": "不想(活"}]}, "bad regex"),
    ({"crisis": [{"re": ".{0,3}"}]}, "empty string"),
    ({"crisis": [{"text": "a", "re": "b"}]}, "exactly one"),
    ({"crisis": [{"text": "a", "wieght": 2}]}, "unknown field"),
    ({"distress": [{"text": "a", "cancels": ["crisis"]}]}, "only for guards"),
    ({"crisis": []}, "crisis list is empty"),
])
def test_malformed_lexicon_is_rejected_with_a_location(bad, message):
    data = _raw_lexicon()
    data.update(bad)
    with pytest.raises(LexiconError, match=message):
        parse_lexicon(data)


def test_bad_threshold_is_rejected():
    data = _raw_lexicon()
    data["settings"]["crisis_intent_min_confidence"] = 1.5
    with pytest.raises(LexiconError, match="crisis_intent_min_confidence"):
        parse_lexicon(data)


# ----------------------------------------------------------------------- report


def test_report_prints_per_level_figures(capsys):
    assert report_main([]) == 0
    out = capsys.readouterr().out
    for level in ("none", "distress", "crisis"):
        assert level in out
    assert "recall" in out and "false alarms" in out
    assert "'none' flagged crisis: 0; crisis missed: 0" in out
