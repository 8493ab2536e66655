"""Imports run downward only: each room of bot/ (and actions/) may import the rooms in its row
of ALLOWED and nothing else of ours. Every import counts, also one inside a function."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Small shared modules any room may use.
SHARED = {"bot", "bot.clock", "bot.settings", "bot.content", "bot.deployment", "bot.identity"}

# room -> the other rooms it may import (besides SHARED). Rooms not listed are not checked.
ALLOWED = {
    "bot.classify": set(),
    "bot.policy": set(),
    "bot.storage": set(),
    "bot.safety": {"bot.classify"},
    "bot.distress": {"bot.classify"},
    "bot.nlu": {"bot.classify", "bot.distress", "bot.safety"},
    "bot.dialogue": set(),
    "bot.handoff": {"bot.distress", "bot.policy", "bot.safety", "bot.storage"},
    "bot.channels": {"bot.accounts", "bot.distress", "bot.handoff", "bot.policy", "bot.safety",
                     "bot.storage"},
}
# Never, from any room in ALLOWED (spelled out: the rule the table must keep).
NEVER_FROM_LOWER = {"bot.channels", "bot.handoff", "actions"}
LOWER = {"bot.classify", "bot.policy", "bot.storage", "bot.safety", "bot.distress", "bot.nlu",
         "bot.dialogue"}


def room_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "actions":
        return "actions"
    return ".".join(parts[:2])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_in(source: str, name: str, is_package: bool = False):
    """(imported module, line) for every import of ours in the source of module `name`."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from bot import clock` imports bot.clock; `from x.y import f` imports x.y.
            targets = [module + "." + alias.name if module == "bot" else module
                       for alias in node.names]
        for target in targets:
            if target.split(".")[0] in ("bot", "actions"):
                yield target, node.lineno


def imports_of(path: Path):
    return imports_in(path.read_text(encoding="utf-8"), module_name(path),
                      path.name == "__init__.py")


def python_files():
    for top in ("bot", "actions"):
        yield from sorted((ROOT / top).rglob("*.py"))


def forbidden_imports():
    found = []
    for path in python_files():
        room = room_of(module_name(path))
        if room not in ALLOWED:
            continue
        for target, line in imports_of(path):
            other = room_of(target)
            if other == room or other in SHARED or target in SHARED:
                continue
            if other not in ALLOWED[room]:
                found.append(f"{path.relative_to(ROOT)}:{line} {room} imports {target}")
    return found


def test_the_table_keeps_lower_rooms_off_the_channels_the_handoff_and_the_actions():
    for room in LOWER:
        assert not ALLOWED[room] & NEVER_FROM_LOWER, room
    assert "bot.channels" not in ALLOWED["bot.handoff"]
    assert "actions" not in ALLOWED["bot.handoff"] | ALLOWED["bot.channels"]


def test_no_module_imports_upward():
    assert forbidden_imports() == []


def test_the_check_sees_relative_and_nested_imports():
    source = ("from . import hub\nfrom .queue import Ticket\n"
              "def f():\n    from ..channels import web\n    import actions.turn\n"
              "from bot import clock\n")
    assert sorted(t for t, _ in imports_in(source, "bot.handoff.api")) == [
        "actions.turn", "bot.channels", "bot.clock", "bot.handoff", "bot.handoff.queue"]
