"""Assistant settings (bot/settings.yml), read once per process."""
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml


@lru_cache(maxsize=1)
def settings() -> Dict[str, Any]:
    return yaml.safe_load(Path(__file__).with_name("settings.yml").read_text(encoding="utf-8"))
