"""FinanceEntityExtractor as Rasa runs it: create() from config, process(messages)."""
from datetime import date

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import entity_extractor as ee
from bot.nlu.entity_extractor import FinanceEntityExtractor

CLASS_PATH = "bot.nlu.entity_extractor.FinanceEntityExtractor"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-11-23")


def make(tmp_path, **config):
    return FinanceEntityExtractor.create(
        {**FinanceEntityExtractor.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("finance_entity_extractor"),
        ExecutionContext(GraphSchema({}), "test"),
    )


@pytest.fixture
def extractor(tmp_path):
    return make(tmp_path)


def run(extractor, text):
    (message,) = extractor.process([Message.build(text=text)])
    return message.get(ENTITIES)


def test_registered_as_non_trainable_entity_extractor():
    registered = DefaultV1Recipe._from_registry(CLASS_PATH)
    assert registered.clazz is FinanceEntityExtractor
    assert registered.types == {DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR}
    assert registered.is_trainable is False


def test_static_api():
    assert FinanceEntityExtractor.get_default_config() == {"dimensions": None, "timezone": None}
    assert FinanceEntityExtractor.required_packages() == ["spacy", "jieba"]
    assert FinanceEntityExtractor.supported_languages() == ["zh"]


def test_entities_have_rasa_shape(extractor):
    assert run(extractor, "我下周五能还3千5，剩下的分12期") == [
        {"entity": "date", "value": "2026-12-04", "start": 1, "end": 4,
         "confidence": 1.0, "extractor": "FinanceEntityExtractor"},
        {"entity": "amount", "value": 3500, "start": 6, "end": 9,
         "confidence": 1.0, "extractor": "FinanceEntityExtractor"},
        {"entity": "months", "value": 12, "start": 14, "end": 17,
         "confidence": 1.0, "extractor": "FinanceEntityExtractor"},
    ]


@pytest.mark.parametrize(
    "text,entity,value",
    [
        ("能宽限三天吗", "days", 3),
        ("明天还", "date", "2026-11-24"),
        ("一年半还清", "months", 18),
        ("还1.5万", "amount", 15000),
        ("还三块五", "amount", 3.5),
    ],
)
def test_single_entities(extractor, text, entity, value):
    (found,) = run(extractor, text)
    assert (found["entity"], found["value"]) == (entity, value)
    assert text[found["start"]:found["end"]]


def test_appends_to_existing_entities(extractor):
    message = Message.build(text="我月底还500")
    earlier = {"entity": "product", "value": "信用卡", "start": 0, "end": 1, "extractor": "DIETClassifier"}
    message.set(ENTITIES, [earlier], add_to_output=True)
    extractor.process([message])
    entities = message.get(ENTITIES)
    assert entities[0] == earlier
    assert [(e["entity"], e["value"]) for e in entities[1:]] == [
        ("date", "2026-11-30"),
        ("amount", 500),
    ]


def test_processes_every_message_of_a_batch(extractor):
    messages = [Message.build(text="还500"), Message.build(text="你好"), Message.build(text="12期")]
    out = extractor.process(messages)
    assert out is messages
    assert [len(m.get(ENTITIES) or []) for m in out] == [1, 0, 1]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😭😭😭🙏", "<script>alert(1)</script>", "<p></p>", "\x00\x01", "你好"],
)
def test_bad_or_empty_input_yields_nothing(extractor, text):
    assert not run(extractor, text)


@pytest.mark.parametrize("data", [{}, {TEXT: None}, {TEXT: 12345}, {TEXT: ["还500"]}])
def test_missing_or_non_string_text(extractor, data):
    (message,) = extractor.process([Message(data=dict(data))])
    assert not message.get(ENTITIES)


def test_html_keeps_offsets(extractor):
    text = "<p>我<b>下个月5号</b>还&nbsp;500元</p>"
    found = run(extractor, text)
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in found] == [
        ("date", "2026-12-05", "下个月5号"),
        ("amount", 500, "500元"),
    ]


def test_5000_char_message(extractor):
    text = ("我下个月5号还3千5😭<br>" * 400)[:5000]
    found = run(extractor, text)
    assert len(found) > 300
    assert all(text[e["start"]:e["end"]] for e in found)


def test_emoji_only_long_message(extractor):
    assert not run(extractor, "😭" * 5000)


def test_bot_today_override(extractor, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2027-02-27")
    assert run(extractor, "下个月5号")[0]["value"] == "2027-03-05"


def test_invalid_bot_today_falls_back_to_today(extractor, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "tomorrow")
    assert run(extractor, "今天")[0]["value"] == date.today().isoformat()


def test_reference_date_timezone(monkeypatch):
    monkeypatch.delenv("BOT_TODAY")
    assert ee.reference_date("Not/AZone") == date.today()
    assert isinstance(ee.reference_date("Asia/Shanghai"), date)


def test_dimensions_filter(tmp_path):
    only_amounts = make(tmp_path, dimensions=["amount"])
    found = run(only_amounts, "下个月5号还5000，分12期")
    assert [(e["entity"], e["value"]) for e in found] == [("amount", 5000)]


def test_unknown_dimension_is_a_config_error(tmp_path):
    with pytest.raises(ValueError):
        make(tmp_path, dimensions=["money"])


def test_internal_error_does_not_break_the_message(extractor, monkeypatch):
    import bot.nlu.spacy_pipeline as sp

    def boom(text, today):
        raise RuntimeError("bug")

    monkeypatch.setattr(sp, "extract_entities", boom)
    message = Message.build(text="还500")
    extractor.process([message])
    assert not message.get(ENTITIES)
