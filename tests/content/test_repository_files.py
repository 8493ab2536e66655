"""What must never be committed: run-time databases (they hold conversations and, before
tokens were kept out of the tracker store, tokens) and files named after an unset
variable (a `rasa` command run outside the Makefile writes `${TRACKER_SQLITE_PATH}`)."""
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE = re.compile(r"\.(sqlite3?|db)(-journal|-wal|-shm)?$", re.IGNORECASE)


def tracked_files():
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return [name for name in done.stdout.decode("utf-8").split("\0") if name]


def test_no_file_named_after_an_unset_variable():
    bad = [name for name in tracked_files() if "${" in name]
    assert not bad, f"git rm these (made by a command run without its variables): {bad}"


def test_no_database_file_is_tracked():
    bad = [name for name in tracked_files() if DATABASE.search(name)]
    assert not bad, f"git rm these run-time databases: {bad}"
