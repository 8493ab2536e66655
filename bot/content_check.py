"""内容检查 / Content checks for editors: `python -m bot.content_check [仓库根目录]`.

Prints one line per problem, in Chinese, `文件:行号: 问题 —— 怎么改`, then a summary line;
exit code 1 when anything is wrong. No tracebacks: every file is read defensively and a file
that cannot be read is itself reported (with the line YAML stopped at).

It covers what tests/content, tests/unit/test_policy_file.py and the lexicon-loading parts of
tests/distress check, plus: every intent has enough training and held-out examples, an
answer path (a rule or story in data/) and a test story; exact and near-duplicate examples
(width, punctuation, spaces and case ignored) within an intent, across intents and between
training and held-out; well-formed jieba dictionary, lexicon, distress corpus, topics,
variants and policy files; no database or `${...}` file tracked by git.

`make check` runs this first, then the pytest checks (which add `rasa data validate` and the
lexicon's labelled-set scores).
"""
from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
MIN_TRAINING, MIN_HELDOUT = 60, 15
# Intents no example trains: the safety override in the NLU pipeline sets them.
SET_BY_CODE = {"possible_crisis"}
# Intents that were live before this check asked for a test story and still have none in
# tests/stories/test_stories.yml (issue 11). Known gaps, not a licence: remove a name once its
# story is written; a new intent is never added here.
NO_TEST_STORY_YET: frozenset = frozenset()
DISTRESS_LEVELS = ("none", "distress", "possible_crisis", "crisis")
HELDOUT = "tests/heldout/nlu_heldout.yml"
TEST_STORIES = "tests/stories/test_stories.yml"
LEXICON = "bot/distress/lexicon.yml"
LABELLED = "tests/distress/labelled.yml"
TOPICS = "bot/safety/topics.yml"
VARIANTS = "bot/classify/variants.yml"
SITUATIONS = "bot/situations.yml"
DICTIONARY_DIR = "bot/nlu/dictionary"
POLICY_DIR = "bot/policy/products"
STAGE_CODES = ("current", "grace", "M1", "M2", "M3", "M3+")
PLAN_KINDS = ("installment", "personalised", "extension")
# Situations handled by their own action (dispute, fraud) need no utter_situation_*;
# utter_action is a metadata key, not a response.
NOT_RESPONSES = {"utter_situation_dispute", "utter_situation_fraud", "utter_action"}
NEVER_SAY = ["坐牢", "拘留", "后果自负", "最后通牒", "上门催收", "通知你的家人", "起诉你", "抓你", "黑户了"]
_REASSURED = re.compile(r"不会[^。，；]{0,8}(" + "|".join(NEVER_SAY) + ")")
MONEY_OR_RATE = re.compile(r"\d+(\.\d+)?\s*(元|%|％)")
HELP_LINES = ("12356", "400-161-9995", "110", "120")
DEBT_WORDS = ("欠款", "逾期", "分期", "还款", "违约金")
DATABASE = re.compile(r"\.(sqlite3?|db)(-journal|-wal|-shm)?$", re.IGNORECASE)
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# PyYAML's English problem texts, as an editor would say them.
_YAML_PROBLEMS = {
    "mapping values are not allowed in this context": "这里不能出现“键: 值”（常见原因：冒号后少了空格、缩进不对，或句子里的英文冒号没加引号）",
    "found a tab character that violates indentation": "这一行用了 Tab 键缩进，YAML 只能用空格",
    "found character that cannot start any token": "这一行开头有 YAML 不认识的字符（常见的是 Tab 键或 @、` 这类符号，句子要加引号）",
    "found unknown escape character": "双引号里的反斜杠 \\ 后面跟了不认识的字符（要么删掉 \\，要么改用单引号）",
    "mapping values are not allowed here": "这里不能出现“键: 值”（常见原因：冒号后少了空格、缩进不对，或句子里的英文冒号没加引号）",
    "could not find expected ':'": "找不到应有的冒号“:”（常见原因：上一行缩进不对或少了冒号）",
    "did not find expected key": "这一行的缩进和上下文对不上（常见原因：多了或少了空格，或 - 的位置不对）",
    "did not find expected '-' indicator": "列表项缺了开头的“- ”或缩进不对",
    "did not find expected node content": "这里缺了内容（常见原因：多余的逗号或括号）",
    "found character '\\t' that cannot start any token": "这一行用了 Tab 键缩进，YAML 只能用空格",
    "found unexpected end of stream": "文件在引号或括号还没闭合时就结束了",
    "found unexpected ':'": "多了一个冒号“:”",
    "found undefined alias": "用了没有定义的 * 别名",
    "expected <block end>, but found '-'": "“- ”列表项的缩进和上面不一致",
    "expected <block end>, but found '<block mapping start>'": "这一行的缩进和上面不一致",
    "expected <block end>, but found '<scalar>'": "这一行的缩进和上面不一致",
    "expected ',' or ']', but got '<stream end>'": "方括号 [ ] 没有闭合",
    "expected ',' or '}', but got '<stream end>'": "花括号 { } 没有闭合",
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: Optional[int]
    what: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.what} —— {self.fix}"


# ----------------------------------------------------------------------------- YAML with lines


class Doc:
    """A YAML file: its data (PyYAML, as the assistant reads it) and node tree (for lines)."""

    def __init__(self, rel: str, text: str, data, node):
        self.rel, self.text, self.data, self.node = rel, text, data, node
        self.lines = text.splitlines()

    def line(self, *path) -> Optional[int]:
        """1-based line of the value at `path` (mapping keys / list indices); for a mapping
        key, the line of the key. Falls back to the deepest node found."""
        node, line = self.node, (self.node.start_mark.line + 1 if self.node else None)
        for step in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(step):
                        line, node = key_node.start_mark.line + 1, value_node
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def node_at(self, *path):
        node = self.node
        for step in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value
                             if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return None
        return node

    def find(self, needle: str, start: int = 1) -> Optional[int]:
        """First line at or after `start` (1-based) containing `needle`."""
        for i in range(max(start, 1) - 1, len(self.lines)):
            if needle in self.lines[i]:
                return i + 1
        return None


def _yaml_problem(rel: str, exc: yaml.YAMLError) -> Problem:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    context = str(getattr(exc, "context", "") or "")
    # "while scanning a simple key / a quoted scalar": the trouble starts where the key or
    # the quote did, not where the scanner gave up (often many lines further down).
    scanning = context in ("while scanning a simple key", "while scanning a quoted scalar")
    mark = context_mark if scanning and context_mark else (problem_mark or context_mark)
    line = mark.line + 1 if mark else None
    problem = str(getattr(exc, "problem", "") or exc).strip()
    said = _YAML_PROBLEMS.get(problem)
    what = f"YAML 格式错误：{said}" if said else f"YAML 格式错误（{problem}）"
    if context_mark and line and context_mark.line + 1 < line:
        what += f"（问题可能从第 {context_mark.line + 1} 行开始）"
    return Problem(rel, line, what,
                   "检查这一行和上一行的缩进（只用空格，和同级对齐）、冒号后的空格、引号和括号是否成对")


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str):
    """Data (as yaml.safe_load gives it) and the node tree (for lines), parsed once."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


class Repo:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.problems: List[Problem] = []
        self.unreadable: set = set()
        self.known_gaps: List[str] = []
        self._docs: Dict[str, Optional[Doc]] = {}

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def add(self, file: str, line: Optional[int], what: str, fix: str) -> None:
        self.problems.append(Problem(file, line, what, fix))

    def doc(self, rel: str, required: bool = True) -> Optional[Doc]:
        """Load a YAML file once; report a missing file or a parse error (once)."""
        if rel in self._docs:
            return self._docs[rel]
        path = self.root / rel
        doc = None
        if not path.is_file():
            if required:
                self.add(rel, None, "找不到这个文件", "把文件放回原处（不要改名或移动），或问开发它去哪了")
                self.unreadable.add(rel)
        else:
            try:
                text = path.read_text(encoding="utf-8")
                data, node = _load(text)
                doc = Doc(rel, text, data, node)
            except UnicodeDecodeError:
                self.add(rel, None, "文件不是 UTF-8 编码", "用编辑器另存为 UTF-8（不带 BOM）")
                self.unreadable.add(rel)
            except yaml.YAMLError as exc:
                self.problems.append(_yaml_problem(rel, exc))
                self.unreadable.add(rel)
        self._docs[rel] = doc
        return doc

    def glob(self, folder: str, pattern: str) -> List[str]:
        return sorted(self.rel(p) for p in (self.root / folder).glob(pattern) if p.is_file())


# ----------------------------------------------------------------------------- NLU examples


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    file: str
    line: Optional[int]

    @property
    def at(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def key(text: str) -> str:
    """Spelling-insensitive identity of an example (same as tests/content/test_content.py):
    width (NFKC), case, spaces and punctuation ignored; emoji-only examples compare as written."""
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", text).lower()) or text.strip()


def read_examples(repo: Repo, rel: str) -> Tuple[List[Example], Dict[str, int]]:
    """Examples of a Rasa NLU file, each with its line; and the line of each intent block."""
    doc = repo.doc(rel)
    examples, blocks = [], {}
    if doc is None or doc.data is None:
        return examples, blocks
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("nlu") or [], list):
        repo.add(rel, doc.line("nlu") or 1, "文件结构不对：应该是 `nlu:` 下面一串 `- intent:` 块",
                 "照着同目录其他文件的开头和缩进改")
        return examples, blocks
    for i, block in enumerate(doc.data.get("nlu") or []):
        if not isinstance(block, dict) or "intent" not in block:
            continue
        intent = str(block["intent"])
        block_line = doc.line("nlu", i)
        blocks.setdefault(intent, block_line)
        raw = block.get("examples")
        if raw is None:
            repo.add(rel, block_line, f"意图 {intent} 下面没有 examples",
                     "在 `- intent:` 下一行写 `  examples: |`，再一行一条 `    - 例句`")
            continue
        if not isinstance(raw, str):
            repo.add(rel, doc.line("nlu", i, "examples"), f"意图 {intent} 的 examples 格式不对",
                     "写成 `examples: |`，下面每行一条 `- 例句`")
            continue
        node = doc.node_at("nlu", i, "examples")
        literal = isinstance(node, yaml.ScalarNode) and node.style == "|"
        first = node.start_mark.line + 2 if node is not None else block_line
        cursor = first
        for j, source in enumerate(raw.splitlines()):
            stripped = source.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                if stripped != "-":
                    line = first + j if literal else doc.find(stripped, cursor)
                    repo.add(rel, line, f"意图 {intent} 下这一行不是例句（例句要以“- ”开头）：{stripped}",
                             "在前面加“- ”（减号加空格），或删掉这一行")
                continue
            text = stripped[2:].strip()
            line = None
            if literal and 0 < first + j <= len(doc.lines) and text in doc.lines[first + j - 1]:
                line = first + j
            else:
                line = doc.find(text, cursor)
            if line:
                cursor = line + 1
            examples.append(Example(intent, text, rel, line or block_line))
    return examples, blocks


def _intent_names(raw) -> List[Tuple[int, str]]:
    out = []
    for i, item in enumerate(raw or []):
        if isinstance(item, dict):
            out.extend((i, str(k)) for k in item)
        else:
            out.append((i, str(item)))
    return out


def _step_intents(steps) -> Iterable[str]:
    for step in steps or []:
        if not isinstance(step, dict):
            continue
        if "intent" in step:
            yield str(step["intent"])
        if isinstance(step.get("or"), list):
            yield from _step_intents(step["or"])


def _stories_intents(doc: Optional[Doc]) -> set:
    found = set()
    if doc is None or not isinstance(doc.data, dict):
        return found
    for section in ("rules", "stories"):
        for item in doc.data.get(section) or []:
            if isinstance(item, dict):
                found |= set(_step_intents(item.get("steps")))
    return found


def check_nlu(repo: Repo, domain: Optional[Doc]) -> None:
    training, train_blocks = [], defaultdict(list)
    nlu_files = repo.glob("data/nlu", "*.yml")
    for rel in nlu_files:
        examples, blocks = read_examples(repo, rel)
        training += examples
        for intent, line in blocks.items():
            train_blocks[intent].append((rel, line))
    heldout, held_blocks = read_examples(repo, HELDOUT)
    training_ok = not any(r in repo.unreadable for r in nlu_files)
    heldout_ok = HELDOUT not in repo.unreadable

    # Duplicates: within training (same or other intent), within held-out, held-out vs training.
    def duplicates(examples: List[Example]) -> Dict[str, Example]:
        first: Dict[str, Example] = {}
        for ex in examples:
            k = key(ex.text)
            seen = first.setdefault(k, ex)
            if seen is ex:
                continue
            how = "完全相同" if seen.text == ex.text else "只差标点、空格、全角半角或大小写"
            if seen.intent == ex.intent:
                repo.add(ex.file, ex.line,
                         f"例句“{ex.text}”在意图 {ex.intent} 下重复了，和 {seen.at} 的“{seen.text}”{how}",
                         "删掉其中一条，另写一句不同的说法")
            else:
                repo.add(ex.file, ex.line,
                         f"例句“{ex.text}”放在意图 {ex.intent} 下，但 {seen.at} 的“{seen.text}”"
                         f"（意图 {seen.intent}）和它{how}：同一句话出现在两个意图下",
                         "想清楚它属于哪个意图，只留在那一个下面，另一处删掉")
        return first

    trained = duplicates(training)
    duplicates(heldout)
    for ex in heldout:
        seen = trained.get(key(ex.text))
        if seen:
            how = "完全相同" if seen.text == ex.text else "只差标点、空格、全角半角或大小写"
            repo.add(ex.file, ex.line,
                     f"留出句“{ex.text}”（意图 {ex.intent}）和训练句 {seen.at} 的“{seen.text}”"
                     f"（意图 {seen.intent}）{how}：留出句不能出现在训练数据里",
                     "从留出集删掉它，请另一个人重新写一句没见过的说法")

    if domain is None or not isinstance(domain.data, dict):
        return
    names = _intent_names(domain.data.get("intents"))
    known = {n for _, n in names}
    reported = set()
    for ex in training + heldout:
        if ex.intent not in known and (ex.file, ex.intent) not in reported:
            reported.add((ex.file, ex.intent))
            blocks = dict(train_blocks.get(ex.intent, [])) if ex.file != HELDOUT else {HELDOUT: held_blocks.get(ex.intent)}
            repo.add(ex.file, blocks.get(ex.file) or ex.line,
                     f"例句用了意图 {ex.intent}，但 domain.yml 的 intents: 里没有这个意图",
                     "把它加进 domain.yml 的 intents:，或改正这里的意图名（要一字不差）")

    counts, held_counts = defaultdict(int), defaultdict(int)
    for ex in training:
        counts[ex.intent] += 1
    for ex in heldout:
        held_counts[ex.intent] += 1
    rules_files = [r for r in repo.glob("data", "**/*.yml")
                   if not r.startswith(("data/nlu/", "data/distress/"))]
    answered = set()
    for rel in rules_files:
        answered |= _stories_intents(repo.doc(rel))
    answers_ok = not any(r in repo.unreadable for r in rules_files)
    stories_doc = repo.doc(TEST_STORIES)
    tested = _stories_intents(stories_doc)
    stories_ok = TEST_STORIES not in repo.unreadable

    for i, intent in names:
        if intent in SET_BY_CODE:
            continue
        here = domain.line("intents", i)
        if training_ok and counts[intent] < MIN_TRAINING:
            files = train_blocks.get(intent)
            file, line = files[0] if files else ("domain.yml", here)
            repo.add(file, line,
                     f"意图 {intent} 只有 {counts[intent]} 条训练例句（data/nlu/ 里），至少要 {MIN_TRAINING} 条",
                     f"在 data/nlu/ 的 `- intent: {intent}` 下补到 {MIN_TRAINING} 条以上（建议 100 条左右，见指南 2.1）")
        if heldout_ok and held_counts[intent] < MIN_HELDOUT:
            file, line = (HELDOUT, held_blocks[intent]) if intent in held_blocks else ("domain.yml", here)
            repo.add(file, line,
                     f"意图 {intent} 只有 {held_counts[intent]} 条留出测试句（{HELDOUT}），至少要 {MIN_HELDOUT} 条",
                     f"请另一个编辑在 {HELDOUT} 的 `- intent: {intent}` 下写够 {MIN_HELDOUT} 条（见指南 2.2）")
        if answers_ok and intent not in answered:
            repo.add("domain.yml", here,
                     f"意图 {intent} 没有回答路径：data/rules.yml 和 data/stories/ 里没有一条规则或故事用到它",
                     f"在 data/rules.yml 加一条规则：`- intent: {intent}` 后接回答它的 `- action: utter_...`（见指南 2.5）")
        if stories_ok and stories_doc is not None and intent not in tested:
            if intent in NO_TEST_STORY_YET:
                repo.known_gaps.append(intent)
                continue
            repo.add("domain.yml", here,
                     f"意图 {intent} 没有测试故事：{TEST_STORIES} 里没有一个故事用到它",
                     f"在 {TEST_STORIES} 加一个故事：借款人说一句（user:）、`intent: {intent}`、助手接着做的 action（见指南 2.6）")


# ----------------------------------------------------------------------------- responses


def _names_in(text: str, pattern: str) -> Iterable[Tuple[str, int]]:
    for n, line in enumerate(text.splitlines(), 1):
        for name in re.findall(pattern, line):
            yield name, n


def check_responses(repo: Repo, domain: Optional[Doc]) -> None:
    if domain is None or not isinstance(domain.data, dict):
        return
    responses = domain.data.get("responses") or {}
    if not isinstance(responses, dict):
        repo.add("domain.yml", domain.line("responses"), "responses: 应该是一组“名字: 回复列表”",
                 "照着已有回复的缩进改（名字缩进两格，- text: 缩进四格）")
        return
    used: Dict[str, Tuple[str, Optional[int]]] = {}  # name -> first place it is used
    code = [p for d in ("actions", "bot") for p in sorted((repo.root / d).rglob("*.py"))]
    for path in code:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name, n in _names_in(text, r"\"(utter_[a-z0-9_]*[a-z0-9])\""):
            used.setdefault(name, (repo.rel(path), n))
    data_files = repo.glob("data", "**/*.yml")
    for rel in data_files:
        try:
            text = (repo.root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name, n in _names_in(text, r"(utter_[a-z0-9_]+)"):
            used.setdefault(name, (rel, n))
    # Names the actions build from data: situation, stage, plan kind, fear topic.
    dynamic: Dict[str, Tuple[str, Optional[int]]] = {}
    situations = repo.doc(SITUATIONS)
    if situations is not None and isinstance(situations.data, dict):
        for intent, rule in (situations.data.get("intents") or {}).items():
            if not isinstance(rule, dict):
                continue
            for s in [rule.get("default"), *(rule.get("refine") or {})]:
                if s:
                    line = (situations.line("intents", intent, "refine", s) if s in (rule.get("refine") or {})
                            else situations.line("intents", intent, "default"))
                    dynamic.setdefault(f"utter_situation_{s}", (SITUATIONS, line))
    for code_ in STAGE_CODES:
        dynamic.setdefault("utter_stage_" + code_.replace("+", "_plus"), ("bot/policy/policy_file.py", None))
    for kind in PLAN_KINDS:
        dynamic.setdefault(f"utter_application_submitted_{kind}", ("actions/plans.py", None))
    from bot.safety import FEAR_TOPICS

    for topic in FEAR_TOPICS:
        dynamic.setdefault(f"utter_fear_{topic}", ("bot/safety/__init__.py", None))
    forms = set()
    for form in (domain.data.get("forms") or {}).values():
        if isinstance(form, dict):
            forms |= {f"utter_ask_{slot}" for slot in form.get("required_slots") or []}

    for name, (file, line) in sorted({**dynamic, **used}.items()):
        if name in responses or name in NOT_RESPONSES:
            continue
        repo.add(file, line, f"用到了回复 {name}，但 domain.yml 的 responses: 里没有它",
                 f"在 domain.yml 的 responses: 里加上 {name}，或改正这里的名字")
    if not any(r in repo.unreadable for r in data_files):
        for name in responses:
            if name not in used and name not in dynamic and name not in forms:
                repo.add("domain.yml", domain.line("responses", name),
                         f"回复 {name} 没有地方用到（规则、故事和程序里都没有）",
                         "在 data/rules.yml 的规则里用它，或者删掉这条回复")

    for name, variants in responses.items():
        if not isinstance(variants, list) or not variants:
            repo.add("domain.yml", domain.line("responses", name), f"回复 {name} 的格式不对",
                     "写成 `- text: \"……\"`，照着其他回复的缩进")
            continue
        for i, variant in enumerate(variants):
            if not isinstance(variant, dict):
                repo.add("domain.yml", domain.line("responses", name, i), f"回复 {name} 的第 {i + 1} 个版本格式不对",
                         "写成 `- text: \"……\"`")
                continue
            texts = [(variant.get("text") or "", domain.line("responses", name, i, "text")
                      or domain.line("responses", name, i), "回复")]
            for b, button in enumerate(variant.get("buttons") or []):
                title = button.get("title") if isinstance(button, dict) else None
                texts.append((str(title or ""), domain.line("responses", name, i, "buttons", b), "按钮"))
            for text, line, kind in texts:
                text = str(text)
                if not CHINESE.search(text):
                    repo.add("domain.yml", line, f"{name} 的{kind}文字没有中文：“{text}”",
                             "用中文写（按钮的 title 也要中文）")
                if MONEY_OR_RATE.search(text):
                    m = MONEY_OR_RATE.search(text).group(0)
                    repo.add("domain.yml", line, f"{name} 的{kind}里手写了钱数或费率“{m}”",
                             "换成程序填的 {占位符}（如 {fee}、{apr}），或去掉具体数字（见指南第 4 节）")
                plain = _REASSURED.sub("", text)
                for word in NEVER_SAY:
                    if word in plain:
                        repo.add("domain.yml", line, f"{name} 的{kind}里有威胁的说法“{word}”",
                                 "助手从不威胁借款人：改写成说明事实和办法（写“不会……”来安抚可以）")
    crisis = responses.get("utter_crisis_support")
    if crisis is None:
        repo.add("domain.yml", domain.line("responses"), "缺少危机回复 utter_crisis_support",
                 "恢复这条回复（热线在前，不谈债务，见指南 4.6）")
    elif isinstance(crisis, list) and crisis and isinstance(crisis[0], dict):
        text = str(crisis[0].get("text") or "")
        line = domain.line("responses", "utter_crisis_support", 0, "text")
        for number in HELP_LINES:
            if number not in text:
                repo.add("domain.yml", line, f"危机回复 utter_crisis_support 里少了热线 {number}",
                         "把热线加回去：至少 12356、400-161-9995、110、120（见指南 4.6）")
        for word in DEBT_WORDS:
            if word in text:
                repo.add("domain.yml", line, f"危机回复 utter_crisis_support 里出现了债务字眼“{word}”",
                         "危机回复一个债务字眼都不能有，删掉它（见指南 4.6）")


# ----------------------------------------------------------------------------- other files


def check_dictionary(repo: Repo) -> None:
    folder = repo.root / DICTIONARY_DIR
    if not folder.is_dir():
        repo.add(DICTIONARY_DIR, None, "找不到分词词典目录", "把 bot/nlu/dictionary/ 放回原处")
        return
    for path in sorted(p for p in folder.glob("*") if p.is_file()):
        rel = repo.rel(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            repo.add(rel, None, "词典文件不是 UTF-8 编码", "用编辑器另存为 UTF-8")
            continue
        seen: Dict[str, int] = {}
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.strip().lstrip("\ufeff")
            if not line:
                continue
            parts = line.split()
            word, rest = parts[0], parts[1:]
            fix = "每行写“词 词频 词性”，用空格隔开，例如“停息挂账 30000 n”；词频是整数，词性是小写字母，可以省略"
            if len(rest) > 2:
                repo.add(rel, n, f"这一行多了内容：“{line}”（词里不能有空格）", fix)
                continue
            if len(rest) == 2 and not rest[0].isdigit():
                repo.add(rel, n, f"词频“{rest[0]}”不是整数：“{line}”", fix)
                continue
            if len(rest) == 2 and not re.fullmatch(r"[a-z]+", rest[1]):
                repo.add(rel, n, f"词性“{rest[1]}”只能是小写英文字母：“{line}”", fix)
                continue
            if len(rest) == 1 and not (rest[0].isdigit() or re.fullmatch(r"[a-z]+", rest[0])):
                repo.add(rel, n, f"“{rest[0]}”既不是词频（整数）也不是词性（小写字母）：“{line}”", fix)
                continue
            if word in seen:
                repo.add(rel, n, f"词“{word}”重复了，第 {seen[word]} 行已经有", "删掉其中一行")
            seen.setdefault(word, n)


def _path_of(where: str) -> list:
    """'installment.terms[7].months' -> ['installment', 'terms', 7, 'months']."""
    path: list = []
    for part in where.split("."):
        m = re.fullmatch(r"([\w+]+)((?:\[\d+\])*)", part)
        if not m:
            break
        path.append(m.group(1))
        path += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return path


def _lexicon_line(doc: Doc, message: str) -> Optional[int]:
    """The line a LexiconError's location ('crisis[3]: ...', 'settings.classifier.x: ...') names."""
    path = _path_of(message.split(":", 1)[0].strip())
    if not path:
        m = re.search(r"'([^']+)'", message)
        return doc.line(m.group(1)) if m else None
    return doc.line(*path)


def check_lexicon(repo: Repo) -> None:
    doc = repo.doc(LEXICON)
    if doc is None:
        return
    from bot.distress.detector import LexiconError, parse_lexicon

    try:
        parse_lexicon(doc.data, LEXICON)
    except LexiconError as exc:
        message = str(exc)
        repo.add(LEXICON, _lexicon_line(doc, message) or 1, f"危机词表读不进来：{message}",
                 "改正这一条（正则只写简体，括号要成对，不能匹配空字符串；字段只能是 text/re/weight/note/cancels），"
                 "见指南第 6 节；词表坏了助手就不能判断危机")
    except Exception as exc:  # noqa: BLE001 - an editor sees the message, never a traceback
        repo.add(LEXICON, 1, f"危机词表读不进来：{exc}", "对照指南第 6 节检查格式，拿不准就找开发")
    labelled = repo.doc(LABELLED)
    if labelled is not None:
        _check_items(repo, labelled, ("none", "distress", "crisis", "possible_crisis"), unique=True)


def _check_items(repo: Repo, doc: Doc, levels: Tuple[str, ...], unique: bool = False) -> None:
    items = doc.data.get("items") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        repo.add(doc.rel, doc.line("items") or 1, "文件结构不对：应该是 `items:` 下面一串 `- level: … text: …`",
                 "照着同目录其他文件的开头和缩进改")
        return
    seen: Dict[str, int] = {}
    for i, item in enumerate(items):
        line = doc.line("items", i)
        if not isinstance(item, dict):
            repo.add(doc.rel, line, "这一项不是“level: … text: …”的格式", "照着上下几项的写法改")
            continue
        level = item.get("level")
        if level not in levels:
            repo.add(doc.rel, doc.line("items", i, "level") or line,
                     f"level 写成了“{level}”，只能是 {' / '.join(levels)} 之一", "改成其中一个（全小写英文）")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            repo.add(doc.rel, doc.line("items", i, "text") or line, "这一项的 text 是空的或不是一句话",
                     "写上句子，用英文双引号括起来")
        elif unique:
            if text in seen:
                repo.add(doc.rel, doc.line("items", i, "text") or line,
                         f"句子“{text}”重复了，第 {seen[text]} 行已经有", "删掉其中一条")
            seen.setdefault(text, doc.line("items", i, "text") or line)
        tags = item.get("tags")
        if tags is not None and not isinstance(tags, list):
            repo.add(doc.rel, doc.line("items", i, "tags") or line, "tags 要写成方括号列表，例如 [indirect, debt]",
                     "改成 tags: [标签1, 标签2]")


def check_distress_corpus(repo: Repo) -> None:
    for rel in repo.glob("data/distress", "*.yml"):
        doc = repo.doc(rel)
        if doc is not None:
            _check_items(repo, doc, DISTRESS_LEVELS)


def check_topics(repo: Repo) -> None:
    doc = repo.doc(TOPICS)
    if doc is None:
        return
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        repo.add(TOPICS, 1, "文件结构不对：顶层应该是 scam: 和 fears:", "照着原来的结构改")
        return
    from bot.safety import FEAR_TOPICS

    bad = False
    scam = data.get("scam") or {}
    for section in ("markers", "already_done"):
        for i, entry in enumerate((scam.get(section) or []) if isinstance(scam, dict) else []):
            line = doc.line("scam", section, i)
            if isinstance(entry, dict):
                if "re" not in entry:
                    bad = True
                    repo.add(TOPICS, line, "这一条既不是一个词，也不是 re: 正则", "写成一个词，或 `- re: 正则`")
                    continue
                try:
                    re.compile(str(entry["re"]))
                except re.error as exc:
                    bad = True
                    repo.add(TOPICS, doc.line("scam", section, i, "re") or line,
                             f"正则写错了：{entry['re']}（{exc}）", "检查括号是否成对、| 两边是否有内容")
            elif not isinstance(entry, str) or not entry.strip():
                bad = True
                repo.add(TOPICS, line, f"这一条不是一个词：{entry!r}", "写成一个词或短语")
    fears = data.get("fears") or {}
    if isinstance(fears, dict):
        for topic in fears:
            if topic not in FEAR_TOPICS:
                bad = True
                repo.add(TOPICS, doc.line("fears", topic),
                         f"担心话题“{topic}”不存在，只能用 {', '.join(FEAR_TOPICS)}",
                         "把词加进已有话题；新增话题要找开发")
    if bad:
        return
    from bot.safety import load_topics

    try:
        load_topics.__wrapped__(str(repo.root / TOPICS))
    except Exception as exc:  # noqa: BLE001
        repo.add(TOPICS, 1, f"诈骗和担心话题词读不进来：{exc}", "对照指南 6.4 检查格式")


def check_variants(repo: Repo) -> None:
    doc = repo.doc(VARIANTS)
    if doc is None:
        return
    if not isinstance(doc.data, dict):
        repo.add(VARIANTS, 1, "文件结构不对：应该是几段（pinyin_initials、cantonese、misheard），每段是“变体: 标准写法”",
                 "照着原来的结构改")
        return
    str_tag = "tag:yaml.org,2002:str"
    for section_key, section in doc.node.value:
        name = section_key.value
        if isinstance(section, yaml.ScalarNode) and section.tag == "tag:yaml.org,2002:null":
            continue
        if not isinstance(section, yaml.MappingNode):
            repo.add(VARIANTS, section_key.start_mark.line + 1, f"{name} 这一段应该是一行一条“变体: 标准写法”",
                     "每行写“  变体: 标准写法”（前面两个空格，不要“- ”）")
            continue
        for variant, standard in section.value:
            line = variant.start_mark.line + 1
            if not (isinstance(variant, yaml.ScalarNode) and variant.tag == str_tag
                    and isinstance(standard, yaml.ScalarNode) and standard.tag == str_tag
                    and standard.value.strip()):
                shown = f"{getattr(variant, 'value', '?')}: {getattr(standard, 'value', '?')}"
                repo.add(VARIANTS, line,
                         f"“{shown}”不是“文字: 文字”（YAML 会把 yes、no、on、off、数字、空值读成别的东西）",
                         "两边都写成文字；这类词加英文引号，例如 \"no\": 不")


def check_policies(repo: Repo) -> None:
    from bot.policy.policy_file import PolicyError, load_policy_file

    files = repo.glob(POLICY_DIR, "*.yml")
    if not files:
        repo.add(POLICY_DIR, None, "没有找到任何产品政策文件", "把 bot/policy/products/*.yml 放回原处")
    for rel in files:
        doc = repo.doc(rel)
        if doc is None:
            continue
        try:
            policy = load_policy_file(repo.root / rel)
        except PolicyError as exc:
            message = str(exc)
            name = Path(rel).name
            where = message.split(": ", 1)[0]
            where = where[len(name) + 1:] if where.startswith(name + ".") else ""
            line = doc.line(*_path_of(where)) if where else None
            repo.add(rel, line or 1, f"政策文件读不进来：{message}",
                     "由负责政策文件的人按提示改正这一项（数值不能超出法规上限，见指南 1.2）")
            continue
        except Exception as exc:  # noqa: BLE001
            repo.add(rel, 1, f"政策文件读不进来：{exc}", "由负责政策文件的人检查格式")
            continue
        product = Path(rel).stem
        if policy.product != product:
            repo.add(rel, doc.find("product:") or 1,
                     f"文件名是 {product}.yml，但 product: 写的是 {policy.product}", "两者要一致")


def check_repository_files(repo: Repo) -> None:
    try:
        done = subprocess.run(["git", "ls-files", "-z"], cwd=repo.root, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return
    if done.returncode != 0:
        return  # not a git checkout (a copy): nothing tracked to check
    for name in filter(None, done.stdout.decode("utf-8", "replace").split("\0")):
        if "${" in name:
            repo.add(name, None, "仓库里有一个以没设置的变量命名的文件（在 Makefile 之外运行 rasa 命令时生成的）",
                     "找开发用 git rm 删掉它")
        elif DATABASE.search(name):
            repo.add(name, None, "仓库里混进了运行时数据库文件（可能含有对话内容）", "找开发用 git rm 删掉它")


# ----------------------------------------------------------------------------- main


def check_repo(root: Path = ROOT) -> Repo:
    """Run every check on the repository at `root`; `repo.problems` is sorted by file and line."""
    repo = Repo(root)
    domain = repo.doc("domain.yml")
    if domain is not None and not isinstance(domain.data, dict):
        repo.add("domain.yml", 1, "domain.yml 的结构不对", "恢复 intents:、responses: 等几段的结构")
        domain = None
    for check in (lambda: check_nlu(repo, domain), lambda: check_responses(repo, domain),
                  lambda: check_dictionary(repo), lambda: check_lexicon(repo),
                  lambda: check_distress_corpus(repo), lambda: check_topics(repo),
                  lambda: check_variants(repo), lambda: check_policies(repo),
                  lambda: check_repository_files(repo)):
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - never a traceback for an editor
            repo.add("bot/content_check.py", None, f"检查程序自己出错了：{type(exc).__name__}: {exc}",
                     "把这一行发给开发")
    repo.problems = sorted(dict.fromkeys(repo.problems), key=lambda p: (p.file, p.line or 0))
    return repo


def run_checks(root: Path = ROOT) -> List[Problem]:
    return check_repo(root).problems


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print("用法：python -m bot.content_check [仓库根目录]   （默认检查当前仓库）")
        return 0
    root = Path(argv[0]) if argv else ROOT
    try:
        sys.stdout.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    repo = check_repo(root)
    problems = repo.problems
    for problem in problems:
        print(problem)
    gaps = ""
    if repo.known_gaps:
        gaps = (f"（另有 {len(repo.known_gaps)} 个老意图已登记待补测试故事："
                f"{'、'.join(repo.known_gaps)}）")
    if problems:
        note = "（有文件读不进来，依赖它的检查先跳过了：改好后再运行一次）" if repo.unreadable else ""
        print(f"检查完毕：发现 {len(problems)} 个问题{note}{gaps}")
        return 1
    print(f"检查完毕：没有发现问题{gaps}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
