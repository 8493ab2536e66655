"""One real stack (action server + Rasa with our channels, BOT_DEMO=1) for the channel tests."""
import uuid
from datetime import date

import pytest

from bot.devstack import running_stack

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("web-stack"), TODAY,
                       extra_env={"BOT_DEMO": "1"}) as running:
        yield running


@pytest.fixture
def fresh_id():
    """A borrower id nobody has talked as: a conversation with no history."""
    return lambda: f"web-test-{uuid.uuid4().hex[:10]}"
