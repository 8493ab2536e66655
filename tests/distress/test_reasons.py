"""Distress reasons are data: a code, its arguments and the turn, read without parsing."""
from bot.distress import TurnSignal, assess_conversation, assess_message
from bot.distress.detector import Reason


def test_a_reason_reads_as_before_and_carries_its_parts():
    reason = Reason("crisis_phrase", "不想活")
    assert reason == "crisis_phrase:不想活"
    assert (reason.code, reason.args, reason.turn) == ("crisis_phrase", ("不想活",), None)
    assert reason.in_turn(2) == "turn2:crisis_phrase:不想活"
    assert reason.in_turn(2).as_data() == {"code": "crisis_phrase", "args": ["不想活"], "turn": 2}


def test_the_detector_gives_codes_and_arguments():
    got = assess_message("我真的不想活了", classifier=False)
    assert "crisis_phrase" in {r.code for r in got.reasons}
    conversation = assess_conversation([TurnSignal("你好"), TurnSignal("我真的不想活了")],
                                       classifier=False)
    data = [r.as_data() for r in conversation.reasons]
    assert {"code": "crisis_in_turns", "args": ["1"], "turn": None} in data
    assert any(d["code"] == "crisis_phrase" and d["turn"] == 1 for d in data)
