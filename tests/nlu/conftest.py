"""Make the repo root importable when pytest is run without `python -m` or a
pythonpath setting (tests/ has no __init__.py)."""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
