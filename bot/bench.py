"""`make bench`: latency figures of the running assistant, printed, never asserted.

Starts the real stack (action server + Rasa server with the trained model) on free ports,
then measures /model/parse and full REST turns (NLU + policies + action server + database).
"""
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import requests

from bot.devstack import running_stack
from bot.identity import issue_token

PARSE_TEXTS = ["我失业了还不上信用卡", "逾期一个月要交多少违约金", "能不能分24期", "每个月最多还两千",
               "会不会上征信", "我忘了还款日", "下周五还3000", "催收天天打电话给我爸妈"]
TURN_TEXTS = ["查一下我欠多少钱", "逾期的违约金怎么算", "会影响征信吗", "我失业了还不上"]


def _timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _describe(name, samples):
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{name:<40} n={len(samples):<4} median={statistics.median(samples):7.1f} ms  "
          f"p95={p95:7.1f} ms  max={samples[-1]:7.1f} ms")


def _crisis_timings(session, base, database_url, repeat=10):
    """From sending a self-harm message to (a) the reply with the help lines and (b) the
    urgent ticket in the queue (its created_at)."""
    from datetime import datetime, timezone

    from sqlalchemy import select

    from bot.storage.db import session_scope
    from bot.storage.models import Ticket

    to_lines, to_ticket = [], []
    for _ in range(repeat):
        sender = f"bench-crisis-{uuid.uuid4().hex[:8]}"
        sent = datetime.now(timezone.utc)
        start = time.perf_counter()
        reply = session.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": "我真的不想活了"})
        to_lines.append((time.perf_counter() - start) * 1000)
        assert "12356" in reply.text, reply.text
        with session_scope(database_url) as db:
            ticket = db.execute(select(Ticket).where(Ticket.conversation_id == sender)).scalar_one()
            created = ticket.created_at if ticket.created_at.tzinfo else ticket.created_at.replace(tzinfo=timezone.utc)
        to_ticket.append((created - sent).total_seconds() * 1000)
    return to_lines, to_ticket


def main() -> None:
    always_open = Path(__file__).resolve().parents[1] / "tests" / "data" / "handoff_always_open.yml"
    with tempfile.TemporaryDirectory() as workdir, running_stack(
            Path(workdir), date.today(), extra_env={"BOT_HANDOFF_SETTINGS": str(always_open)}) as stack:
        base, token = stack["rasa"], stack["api_token"]
        borrower_token = issue_token("demo-multi")
        session = requests.Session()
        for text in PARSE_TEXTS:  # warm-up
            session.post(f"{base}/model/parse?token={token}", json={"text": text}).raise_for_status()
        parse = [
            ms for text in PARSE_TEXTS for ms in _timed(
                lambda text=text: session.post(f"{base}/model/parse?token={token}",
                                               json={"text": text}).raise_for_status(), 10)
        ]
        # Texts never seen before: our classifiers cache normalised text, so the repeated
        # texts above measure the warm path and these the cold one.
        fresh = iter([f"{text}，第{i}回{j}" for i in range(10) for j, text in enumerate(PARSE_TEXTS)])
        parse_fresh = _timed(lambda: session.post(f"{base}/model/parse?token={token}",
                                                  json={"text": next(fresh)}).raise_for_status(),
                             len(PARSE_TEXTS) * 10)
        long_text = ("我下个月5号还3千5，剩下的分12期。" * 300)[:5000]
        long_parse = _timed(lambda: session.post(f"{base}/model/parse?token={token}",
                                                 json={"text": long_text}).raise_for_status(), 5)
        turns = []
        for _ in range(10):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for text in TURN_TEXTS:
                body = {"sender": sender, "message": text, "metadata": {"token": borrower_token}}
                turns += _timed(lambda body=body: session.post(f"{base}/webhooks/rest/webhook",
                                                               json=body).raise_for_status(), 1)
        crisis_lines, crisis_ticket = _crisis_timings(session, base, stack["env"]["DATABASE_URL"])
        print("machine: this one; stack: 1 Rasa worker, 1 action server, SQLite")
        _describe("POST /model/parse (repeated texts)", parse)
        _describe("POST /model/parse (new texts)", parse_fresh)
        _describe("POST /model/parse, 5,000 characters", long_parse)
        _describe("full REST turn (with actions, DB)", turns)
        _describe("crisis message -> help lines in reply", crisis_lines)
        _describe("crisis message -> urgent ticket stored", crisis_ticket)


if __name__ == "__main__":
    main()
