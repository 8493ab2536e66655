"""Checks for the content team: run `make check` after editing data/, domain.yml or the
policy / lexicon files. Each failure says what to fix and where."""
import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.policy import PRODUCTS
from bot.policy.policy_file import load_policy_file
from bot.safety import FEAR_TOPICS
from bot.situations import _config as situations_config

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]
MIN_TRAINING, MIN_HELDOUT = 60, 15
# Intents no example trains: the safety override in the NLU pipeline sets them.
SET_BY_CODE = {"possible_crisis"}


def _examples(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in (block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield block["intent"], line[2:].strip(), path


def _key(text: str) -> str:
    """Spelling-insensitive identity of an example; emoji-only examples compare as written."""
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", text).lower()) or text.strip()


TRAINING = [e for p in sorted((ROOT / "data" / "nlu").glob("*.yml")) for e in _examples(p)]
HELDOUT = list(_examples(ROOT / "tests" / "heldout" / "nlu_heldout.yml"))


def _counts(examples):
    counts = defaultdict(int)
    for intent, _, _ in examples:
        counts[intent] += 1
    return counts


@pytest.mark.parametrize("intent", [i for i in DOMAIN["intents"] if i not in SET_BY_CODE])
def test_every_intent_has_enough_examples(intent):
    assert _counts(TRAINING)[intent] >= MIN_TRAINING, f"{intent}: add training examples in data/nlu/"
    assert _counts(HELDOUT)[intent] >= MIN_HELDOUT, f"{intent}: add held-out examples"


def test_examples_only_use_known_intents():
    unknown = {i for i, _, _ in TRAINING + HELDOUT} - set(DOMAIN["intents"])
    assert not unknown, f"intents not in domain.yml: {unknown}"


def test_no_example_under_two_intents():
    seen, clashes = {}, []
    for intent, text, path in TRAINING:
        other = seen.setdefault(_key(text), intent)
        if other != intent:
            clashes.append(f"{text!r}: {other} and {intent} ({path.name})")
    assert not clashes, "the same example under two intents:\n" + "\n".join(clashes)


def test_heldout_never_trained_on():
    trained = {_key(t) for _, t, _ in TRAINING}
    leaked = [t for _, t, _ in HELDOUT if _key(t) in trained]
    assert not leaked, f"held-out examples also in data/nlu (remove them from one): {leaked}"


def _used_in_code():
    names = set()
    for path in [*(ROOT / "actions").glob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        names |= set(re.findall(r"\"(utter_[a-z0-9_]*[a-z0-9])\"", path.read_text(encoding="utf-8")))
    return names


def _dynamic_names():
    """Responses the actions pick by a name built from data (situation, stage, plan kind)."""
    names = {f"utter_situation_{s}" for rule in situations_config()["intents"].values()
             for s in [rule["default"], *(rule.get("refine") or {})]}
    names |= {"utter_stage_" + code.replace("+", "_plus")
              for code in ("current", "grace", "M1", "M2", "M3", "M3+")}
    names |= {f"utter_application_submitted_{k}" for k in ("installment", "personalised", "extension")}
    names |= {f"utter_fear_{topic}" for topic in FEAR_TOPICS}
    return names


def _used_in_data():
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "data").rglob("*.yml"))
    return set(re.findall(r"(utter_[a-z0-9_]+)", text))


def test_every_response_the_actions_use_exists():
    missing = (_used_in_code() | _dynamic_names() | _used_in_data()) - set(RESPONSES)
    # Situations handled by their own action (dispute, fraud) need no utter_situation_*.
    missing -= {"utter_situation_dispute", "utter_situation_fraud", "utter_action"}  # a metadata key
    assert not missing, f"add these responses to domain.yml: {sorted(missing)}"


def test_every_response_is_used():
    forms = {f"utter_ask_{slot}" for form in DOMAIN["forms"].values() for slot in form["required_slots"]}
    unused = set(RESPONSES) - _used_in_code() - _dynamic_names() - _used_in_data() - forms
    assert not unused, f"responses nobody uses (remove, or use them): {sorted(unused)}"


def _texts():
    for name, variants in RESPONSES.items():
        for variant in variants:
            yield name, variant.get("text") or ""
            for button in variant.get("buttons") or []:
                yield name, button["title"]


def test_every_sentence_is_chinese():
    not_chinese = [(n, t) for n, t in _texts() if not re.search(r"[\u4e00-\u9fff]", t)]
    assert not not_chinese, f"responses without Chinese: {not_chinese}"


def test_no_number_typed_into_a_fee_or_rate_sentence():
    """Fees, rates and payments come from code through {placeholders}, never typed in."""
    money_or_rate = re.compile(r"\d+(\.\d+)?\s*(元|%|％)")
    typed = [(n, t) for n, t in _texts() if money_or_rate.search(t)]
    assert not typed, f"use a {{placeholder}} filled from the policy instead: {typed}"


NEVER_SAY = ["坐牢", "拘留", "后果自负", "最后通牒", "上门催收", "通知你的家人", "起诉你", "抓你", "黑户了"]


# Reassurance may name what will not happen ("不会因为逾期就坐牢").
_REASSURED = re.compile(r"不会[^。，；]{0,8}(" + "|".join(NEVER_SAY) + ")")


def test_no_threatening_words():
    found = [(n, w) for n, t in _texts() for w in NEVER_SAY if w in _REASSURED.sub("", t)]
    assert not found, f"the assistant never threatens: {found}"


def test_crisis_answer_has_the_help_lines_and_no_debt_talk():
    text = RESPONSES["utter_crisis_support"][0]["text"]
    for number in ("12356", "400-161-9995", "110", "120"):
        assert number in text
    for word in ("欠款", "逾期", "分期", "还款", "违约金"):
        assert word not in text


@pytest.mark.parametrize("product", PRODUCTS)
def test_policy_files_load(product):
    load_policy_file(ROOT / "bot" / "policy" / "products" / f"{product}.yml")


def test_rasa_data_validate():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "data", "validate", "--max-history", "5"],
        cwd=ROOT, capture_output=True, text=True, env={**__import__("os").environ,
                                                      "RASA_TELEMETRY_ENABLED": "false"})
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
