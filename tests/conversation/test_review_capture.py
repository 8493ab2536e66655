"""What the assistant missed reaches the editors' review table, masked before it is stored."""
import pytest
from sqlalchemy import select

from bot.identity import issue_token
from bot.storage.db import session_scope
from bot.storage.models import ReviewItem

pytestmark = pytest.mark.conversation


def items(stack, conversation_id):
    with session_scope(stack["env"]["DATABASE_URL"]) as session:
        rows = session.execute(select(ReviewItem).where(
            ReviewItem.conversation_id == conversation_id)).scalars()
        return [(r.reason, r.text) for r in rows]


def test_a_guess_is_kept_with_the_phone_number_masked(stack, chat):
    me = chat(token=issue_token("demo-m1"))
    me.text("zxqv wqpl 13812345678 mnbv")
    kept = items(stack, me.sender)
    assert kept and kept[0][0] in ("fallback", "low_confidence")
    assert "13812345678" not in kept[0][1] and "【手机号】" in kept[0][1]


def test_a_correction_keeps_the_message_we_misread(stack, chat):
    me = chat(token=issue_token("demo-m1"))
    me.text("我想问问那个东西怎么弄")
    me.text("不是这个意思")
    assert ("correction", "我想问问那个东西怎么弄") in items(stack, me.sender)
