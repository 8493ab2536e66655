"""`python -m bot.content_check` (the first step of `make check`): run on a copy of the repo
broken the way an editor would break it, it prints one Chinese line per problem naming the
file and the line, and a summary; on the real repo it passes."""
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bot import content_check

ROOT = Path(__file__).resolve().parents[2]
# What the checker reads (code is read for the response names it uses).
COPIED = ["domain.yml", "data", "actions", "bot", "tests/heldout/nlu_heldout.yml",
          "tests/stories", "tests/distress/labelled.yml"]
LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+): (?P<what>.+) —— (?P<fix>.+)$")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    base = tmp_path_factory.mktemp("pristine")
    for rel in COPIED:
        src, dst = ROOT / rel, base / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dst)
    return base


@pytest.fixture
def repo(pristine, tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(pristine, copy)
    return copy


def run(root: Path, capsys):
    code = content_check.main([str(root)])
    out = capsys.readouterr().out.strip().splitlines()
    assert out, "no output"
    assert "Traceback" not in "\n".join(out)
    return code, out[:-1], out[-1]


def line_of(path: Path, needle: str, start: int = 1) -> int:
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if n >= start and needle in text:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_at(lines, file, line=None):
    found = []
    for text in lines:
        m = LINE.match(text)
        if m and m["file"] == file and (line is None or int(m["line"]) == line):
            found.append(text)
    return found


def test_every_output_line_has_file_line_problem_and_fix_in_chinese(repo, capsys):
    append(repo / "bot/nlu/dictionary/finance.txt", "销卡 很多 n\n")
    code, lines, summary = run(repo, capsys)
    assert code == 1
    assert summary.startswith("检查完毕：发现 1 个问题")
    assert len(lines) == 1 and LINE.match(lines[0])
    assert re.search(r"[\u4e00-\u9fff]", LINE.match(lines[0])["what"])


def test_the_real_repository_passes():
    done = subprocess.run([sys.executable, "-m", "bot.content_check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("检查完毕：没有发现问题")
    assert "Traceback" not in done.stderr


def test_a_copy_of_the_repository_passes(repo, capsys):
    code, lines, summary = run(repo, capsys)
    assert (code, lines) == (0, [])
    assert summary.startswith("检查完毕：没有发现问题")


def test_new_intent_with_three_examples_and_no_answer(repo, capsys):
    account = repo / "data/nlu/account.yml"
    append(account, "- intent: ask_cancel_card\n  examples: |\n"
                    "    - 我想把信用卡注销了\n    - 怎么销卡\n    - 销户去哪里办\n")
    replace_once(repo / "domain.yml", "  - possible_crisis\n", "  - ask_cancel_card\n  - possible_crisis\n")
    code, lines, summary = run(repo, capsys)
    assert code == 1
    block = line_of(account, "- intent: ask_cancel_card")
    [few] = problems_at(lines, "data/nlu/account.yml", block)
    assert "ask_cancel_card" in few and "只有 3 条训练例句" in few and "60" in few
    declared = line_of(repo / "domain.yml", "  - ask_cancel_card")
    at_domain = problems_at(lines, "domain.yml", declared)
    assert len(at_domain) == 3, lines
    assert any("留出测试句" in p and "15" in p for p in at_domain)
    assert any("没有回答路径" in p and "data/rules.yml" in p for p in at_domain)
    assert any("没有测试故事" in p and "tests/stories/test_stories.yml" in p for p in at_domain)
    assert all("ask_cancel_card" in p for p in at_domain)
    assert summary.startswith("检查完毕：发现 4 个问题")


def test_new_intent_with_everything_but_a_test_story(repo, capsys):
    examples = "".join(f"    - 想把第{i}张信用卡注销掉\n" for i in range(60))
    append(repo / "data/nlu/account.yml", "- intent: ask_cancel_card\n  examples: |\n" + examples)
    held = "".join(f"    - 销户第{i}号问题怎么办\n" for i in range(15))
    append(repo / "tests/heldout/nlu_heldout.yml", "- intent: ask_cancel_card\n  examples: |\n" + held)
    replace_once(repo / "domain.yml", "  - possible_crisis\n", "  - ask_cancel_card\n  - possible_crisis\n")
    append(repo / "data/rules.yml", "\n- rule: cancel card\n  steps:\n  - intent: ask_cancel_card\n"
                                    "  - action: utter_iamabot\n")
    code, lines, _ = run(repo, capsys)
    assert code == 1
    [only] = lines
    assert only.startswith(f"domain.yml:{line_of(repo / 'domain.yml', '  - ask_cancel_card')}: ")
    assert "没有测试故事" in only


def test_example_copied_under_a_second_intent(repo, capsys):
    account, plans = repo / "data/nlu/account.yml", repo / "data/nlu/plans.yml"
    original = line_of(account, "    - 我欠了多少钱")
    replace_once(plans, "  examples: |\n", "  examples: |\n    - 我欠了多少钱\n")
    copied = line_of(plans, "    - 我欠了多少钱")
    code, lines, summary = run(repo, capsys)
    assert code == 1
    [clash] = problems_at(lines, "data/nlu/plans.yml", copied)
    assert f"data/nlu/account.yml:{original}" in clash
    assert "check_debt" in clash and "两个意图" in clash and "完全相同" in clash
    assert summary.startswith("检查完毕：发现 1 个问题")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_near_duplicate_with_other_punctuation_and_full_width_characters(repo, capsys):
    account = repo / "data/nlu/account.yml"
    # an example holding Latin letters or digits, so that full width changes it
    source = next(line for line in account.read_text(encoding="utf-8").splitlines()
                  if line.startswith("    - ") and re.search(r"[A-Za-z0-9]", line))
    text = source[6:]
    near = _fullwidth(text).replace(" ", "　") + "？！"
    assert near != text and content_check.key(near) == content_check.key(text)
    original = line_of(account, source)
    # under another intent in training, and in the held-out file
    replace_once(repo / "data/nlu/care.yml", "  examples: |\n", f"  examples: |\n    - {near}\n")
    held = repo / "tests/heldout/nlu_heldout.yml"
    replace_once(held, "  examples: |\n", f"  examples: |\n    - {near}\n")
    code, lines, _ = run(repo, capsys)
    assert code == 1
    [clash] = problems_at(lines, "data/nlu/care.yml", line_of(repo / "data/nlu/care.yml", near))
    assert f"data/nlu/account.yml:{original}" in clash and "只差标点" in clash
    leaks = problems_at(lines, "tests/heldout/nlu_heldout.yml", line_of(held, near))
    assert len(leaks) == 1 and "留出句" in leaks[0] and f"data/nlu/account.yml:{original}" in leaks[0]


def test_duplicate_within_one_intent(repo, capsys):
    account = repo / "data/nlu/account.yml"
    first = line_of(account, "    - 我欠了多少钱")
    replace_once(account, "    - 我欠了多少钱\n", "    - 我欠了多少钱\n    - 我欠了 多少钱。\n")
    code, lines, _ = run(repo, capsys)
    [dup] = problems_at(lines, "data/nlu/account.yml", first + 1)
    assert "重复" in dup and f"data/nlu/account.yml:{first}" in dup


def test_example_under_an_intent_not_in_domain(repo, capsys):
    append(repo / "data/nlu/account.yml", "- intent: ask_cancle_card\n  examples: |\n    - 怎么销卡\n")
    code, lines, _ = run(repo, capsys)
    block = line_of(repo / "data/nlu/account.yml", "- intent: ask_cancle_card")
    [unknown] = problems_at(lines, "data/nlu/account.yml", block)
    assert "ask_cancle_card" in unknown and "domain.yml" in unknown


@pytest.mark.parametrize("old, new, file", [
    # the colon-space after the intent name forgotten: YAML reads a key, not a name
    ("- intent: crisis\n", "- intent: crisis: 危机\n", "data/nlu/care.yml"),
    # one space too many before `examples:`
    ("- intent: crisis\n  examples: |\n", "- intent: crisis\n   examples: |\n", "data/nlu/care.yml"),
    # a quote left open in a response
    ("  utter_goodbye:\n    - text: \"", "  utter_goodbye:\n    - text: \"\"", "domain.yml"),
])
def test_broken_yaml_line(repo, capsys, old, new, file):
    path = repo / file
    replace_once(path, old, new)
    broken = line_of(path, new.splitlines()[-1])
    code, lines, summary = run(repo, capsys)
    assert code == 1
    errors = [line for line in lines if "YAML 格式错误" in line]
    assert len(errors) == 1, lines
    m = LINE.match(errors[0])
    assert m["file"] == file and int(m["line"]) == broken, (errors, broken)
    assert "读不进来" in summary


def test_bad_dictionary_line(repo, capsys):
    dictionary = repo / "bot/nlu/dictionary/finance.txt"
    append(dictionary, "销卡 很多 n\n销户 100 N\n")
    last = len(dictionary.read_text(encoding="utf-8").splitlines())
    code, lines, _ = run(repo, capsys)
    assert code == 1
    [freq] = problems_at(lines, "bot/nlu/dictionary/finance.txt", last - 1)
    assert "词频" in freq and "整数" in freq
    [tag] = problems_at(lines, "bot/nlu/dictionary/finance.txt", last)
    assert "词性" in tag


def test_bad_lexicon_regex(repo, capsys):
    lexicon = repo / "bot/distress/lexicon.yml"
    replace_once(lexicon, "\ncrisis:\n", "\ncrisis:\n  - re: 不想(活\n")
    code, lines, _ = run(repo, capsys)
    assert code == 1
    [bad] = problems_at(lines, "bot/distress/lexicon.yml", line_of(lexicon, "  - re: 不想(活"))
    assert "危机词表读不进来" in bad and "bad regex" in bad  # LexiconError's own message shown


def test_distress_item_with_an_unknown_level_or_no_text(repo, capsys):
    rider = repo / "data/distress/rider.yml"
    replace_once(rider, "level: none", "level: nothing")
    replace_once(rider, "level: distress\n    text: \"", "level: distress\n    text: \"\"\n    note: \"")
    code, lines, _ = run(repo, capsys)
    [level] = problems_at(lines, "data/distress/rider.yml", line_of(rider, "level: nothing"))
    assert "nothing" in level and "possible_crisis" in level
    empty = problems_at(lines, "data/distress/rider.yml", line_of(rider, 'text: ""'))
    assert len(empty) == 1 and "text" in empty[0]


def test_variants_must_map_words_to_words(repo, capsys):
    variants = repo / "bot/classify/variants.yml"
    replace_once(variants, "  hb: 花呗\n", "  hb: 花呗\n  no: 不\n")
    code, lines, _ = run(repo, capsys)
    [bad] = problems_at(lines, "bot/classify/variants.yml", line_of(variants, "  no: 不"))
    assert "引号" in bad


def test_responses_missing_unused_without_chinese_or_with_a_typed_fee(repo, capsys):
    domain = repo / "domain.yml"
    replace_once(domain, "  utter_goodbye:\n", "  utter_not_used:\n    - text: \"OK\"\n"
                                                 "  utter_fee_typed:\n    - text: \"违约金是 50 元\"\n"
                                                 "  utter_goodbye:\n")
    append(repo / "data/rules.yml", "\n- rule: typed\n  steps:\n  - intent: greet\n"
                                    "  - action: utter_fee_typed\n  - action: utter_does_not_exist\n")
    code, lines, _ = run(repo, capsys)
    assert code == 1
    unused = problems_at(lines, "domain.yml", line_of(domain, "  utter_not_used:"))
    assert len(unused) == 1 and "没有地方用到" in unused[0]
    [no_chinese] = problems_at(lines, "domain.yml", line_of(domain, "\"OK\""))
    assert "没有中文" in no_chinese
    [typed] = problems_at(lines, "domain.yml", line_of(domain, "50 元"))
    assert "50 元" in typed and "占位符" in typed
    missing = problems_at(lines, "data/rules.yml", line_of(repo / "data/rules.yml", "utter_does_not_exist"))
    assert len(missing) == 1 and "responses:" in missing[0]


def test_crisis_answer_keeps_the_help_lines_and_no_debt_words(repo, capsys):
    domain = repo / "domain.yml"
    text = domain.read_text(encoding="utf-8")
    start = text.index("  utter_crisis_support:")
    end = text.index("\n", text.index("- text:", start))
    answer = text[start:end].replace("12356", "123", 1).replace("。", "，先别管欠款。", 1)
    domain.write_text(text[:start] + answer + text[end:], encoding="utf-8")
    code, lines, _ = run(repo, capsys)
    at = line_of(domain, "  utter_crisis_support:") + 1
    crisis = problems_at(lines, "domain.yml", at)
    assert any("12356" in line for line in crisis) and any("欠款" in line for line in crisis), lines


def test_policy_file_out_of_legal_range(repo, capsys):
    card = repo / "bot/policy/products/credit_card.yml"
    text = card.read_text(encoding="utf-8")
    new = re.sub(r"(\n\s*max_months:\s*)60\b", r"\g<1>72", text, count=1)
    assert new != text
    card.write_text(new, encoding="utf-8")
    code, lines, _ = run(repo, capsys)
    bad = problems_at(lines, "bot/policy/products/credit_card.yml")
    assert len(bad) == 1 and "max_months" in bad[0], lines
    assert int(LINE.match(bad[0])["line"]) == line_of(card, "max_months: 72")


def test_nfkc_key_ignores_width_punctuation_spaces_and_case():
    assert content_check.key("ＸＹＫ 怎么还？！") == content_check.key("xyk怎么还")
    assert unicodedata.normalize("NFKC", "１２") == "12"


def test_tracked_database_and_unset_variable_files(repo, capsys, monkeypatch):
    real_run = subprocess.run

    def fake_run(args, *a, **kw):
        if args[:2] == ["git", "ls-files"]:
            names = b"\0".join([b"domain.yml", b"var/tracker.sqlite", b"${TRACKER_SQLITE_PATH}"])
            return subprocess.CompletedProcess(args, 0, stdout=names + b"\0", stderr=b"")
        return real_run(args, *a, **kw)

    monkeypatch.setattr(content_check.subprocess, "run", fake_run)
    code, lines, _ = run(repo, capsys)
    assert code == 1
    assert any(line.startswith("var/tracker.sqlite: ") and "数据库" in line for line in lines), lines
    assert any(line.startswith("${TRACKER_SQLITE_PATH}: ") and "git rm" in line for line in lines), lines
