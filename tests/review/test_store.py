"""bot.review.store on a real database (SQLite, and PostgreSQL when reachable)."""
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.review import store
from bot.storage.models import ReviewItem

RAW = "我叫王小明 手机13812345678 身份证11010519491231002X 卡号6222 0212 3456 7890"


def _add(session, text, reason="fallback", intent="nlu_fallback", confidence=0.31,
         conversation_id="c1"):
    return store.record_missed(session, conversation_id, text, reason, intent, confidence)


def test_record_missed_masks_before_storing(session):
    item = _add(session, RAW)
    session.commit()
    stored = session.execute(
        text("SELECT text FROM review_items WHERE id = :id"), {"id": item.id}
    ).scalar_one()
    for raw in ("13812345678", "11010519491231002X", "6222", "1949", "王小明"):
        assert raw not in stored
    assert stored == "我叫【姓名】 手机【手机号】 身份证【身份证号】 卡号【银行卡号】"
    assert item.text == stored and item.status == "new"
    assert item.reason == "fallback" and item.intent == "nlu_fallback"
    assert item.confidence == pytest.approx(0.31)
    assert item.created_at is not None and item.label is None and item.labelled_at is None


@pytest.mark.parametrize("raw", [
    "138 1234 5678", "+86 138-1234-5678", "一三八一二三四五六七八", "１３８１２３４５６７８",
    "110105 19491231 002x", "6222-0212-3456-7890-123",
])
def test_no_raw_number_reaches_the_database(session, raw):
    _add(session, f"我的号码 {raw} 你记一下", reason="low_confidence")
    session.commit()
    rows = session.execute(text("SELECT text FROM review_items")).scalars().all()
    digits = "".join(ch for ch in raw if ch.isdigit() or ch in "一三八二四五六七")
    assert rows and all(digits[:7] not in "".join(c for c in r if c.isdigit()) for r in rows)
    assert all(raw not in r for r in rows)


def test_every_reason_and_bad_input(session):
    for reason in store.REVIEW_REASONS:
        _add(session, "不是这个意思", reason=reason)
    assert len(store.list_items(session)) == len(store.REVIEW_REASONS)
    with pytest.raises(ValueError):
        _add(session, "x", reason="boredom")
    with pytest.raises(ValueError):
        _add(session, "x", confidence=1.5)
    # no intent / confidence is fine (a correction has none)
    item = _add(session, "不是这个意思", reason="correction", intent=None, confidence=None)
    assert item.intent is None and item.confidence is None


def test_check_constraints_hold_in_the_database(session):
    item = _add(session, "你好")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE review_items SET status = 'bogus' WHERE id = :id"),
                        {"id": item.id})
        session.flush()
    session.rollback()


def test_list_items_newest_first_with_status_and_limit(session):
    a = _add(session, "第一条")
    b = _add(session, "第二条")
    c = _add(session, "第三条")
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i, item in enumerate((a, b, c)):
        item.created_at = base + timedelta(minutes=i)
    store.dismiss(session, b.id, "ed")
    session.commit()
    assert [i.id for i in store.list_items(session)] == [c.id, b.id, a.id]
    assert [i.id for i in store.list_items(session, status="new")] == [c.id, a.id]
    assert [i.id for i in store.list_items(session, status="dismissed")] == [b.id]
    assert [i.id for i in store.list_items(session, limit=1)] == [c.id]
    with pytest.raises(ValueError):
        store.list_items(session, status="whatever")


def test_label_dismiss_and_new_intent(session):
    a, b, c = _add(session, "能不能少还点"), _add(session, "嗯嗯"), _add(session, "你们收不收比特币")
    store.label(session, a.id, "ask_reduce_payment", "editor-li")
    store.dismiss(session, b.id, "editor-li")
    store.mark_new_intent(session, c.id, "editor-li", proposed="ask_crypto_payment")
    session.commit()
    got = {i.id: i for i in session.execute(select(ReviewItem)).scalars()}
    assert (got[a.id].status, got[a.id].label, got[a.id].editor) == (
        "labelled", "ask_reduce_payment", "editor-li")
    assert got[a.id].labelled_at is not None
    assert (got[b.id].status, got[b.id].label) == ("dismissed", None)
    assert (got[c.id].status, got[c.id].label) == ("new_intent", "ask_crypto_payment")
    with pytest.raises(store.ReviewItemNotFound):
        store.label(session, 999999, "greet", "editor-li")
    with pytest.raises(ValueError):
        store.label(session, a.id, "two words", "editor-li")
    with pytest.raises(ValueError):
        store.label(session, a.id, "", "editor-li")


def test_relabelling_replaces_the_label(session):
    a = _add(session, "能不能少还点")
    store.label(session, a.id, "greet", "ed1")
    store.label(session, a.id, "ask_reduce_payment", "ed2")
    assert (a.label, a.editor) == ("ask_reduce_payment", "ed2")


def test_export_yaml_groups_labelled_items_by_intent(session):
    items = [_add(session, t) for t in (
        "能不能少还点", "能不能 少还点！", "我手机13812345678 帮我查下", "今天先还一半行吗",
        "随便说说", "不要这个")]
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i, item in enumerate(items):
        item.created_at = base + timedelta(minutes=i)
    store.label(session, items[0].id, "ask_reduce_payment", "ed")
    store.label(session, items[1].id, "ask_reduce_payment", "ed")  # same once normalised
    store.label(session, items[2].id, "ask_balance", "ed")
    store.label(session, items[3].id, "ask_reduce_payment", "ed")
    store.dismiss(session, items[4].id, "ed")
    store.mark_new_intent(session, items[5].id, "ed", "deny_other")
    session.commit()

    out = store.export_yaml(session)
    data = yaml.safe_load(out)
    assert data["version"] == "3.1"
    blocks = {b["intent"]: b["examples"] for b in data["nlu"]}
    assert list(blocks) == ["ask_balance", "ask_reduce_payment"]
    assert blocks["ask_reduce_payment"] == "- 能不能少还点\n- 今天先还一半行吗\n"
    assert blocks["ask_balance"] == "- 我手机【手机号】 帮我查下\n"
    assert "13812345678" not in out and "随便说说" not in out and "不要这个" not in out


def test_export_of_nothing_is_valid_yaml(session):
    data = yaml.safe_load(store.export_yaml(session))
    assert data == {"version": "3.1", "nlu": []}


def test_export_keeps_one_line_per_example(session):
    item = _add(session, "第一行\n第二行:  - 还有 # 号")
    store.label(session, item.id, "inform", "ed")
    data = yaml.safe_load(store.export_yaml(session))
    assert data["nlu"][0]["examples"] == "- 第一行 第二行: - 还有 # 号\n"


# ------------------------------------------------------------------------ grouping (pure)

class _Item:
    def __init__(self, id_, text_):
        self.id, self.text = id_, text_


def test_normalise_and_similarity():
    assert store.normalise("能不能 少还点！！") == store.normalise("能不能少还点")
    assert store.normalise("ＡＢＣ，１２３") == "abc123"
    assert store.similarity("能不能少还点", "能不能少还点") == 1.0
    assert store.similarity("能不能少还点", "你好") == 0.0
    assert store.similarity("", "") == 1.0


def test_group_similar():
    items = [_Item(1, "能不能少还点？"), _Item(2, "你好"), _Item(3, "能不能 少还点"),
             _Item(4, "能不能少还点呢"), _Item(5, "我想换个手机号"), _Item(6, "你好！")]
    groups = store.group_similar(items)
    assert [[i.id for i in g.items] for g in groups] == [[1, 3, 4], [2, 6], [5]]
    assert groups[0].count == 3 and groups[0].text == "能不能少还点？"
    # unrelated texts stay apart
    assert len(store.group_similar([_Item(1, "我要还款"), _Item(2, "我要投诉")])) == 2
