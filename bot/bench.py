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
    print(f"{name:<34} n={len(samples):<4} median={statistics.median(samples):7.1f} ms  "
          f"p95={p95:7.1f} ms  max={samples[-1]:7.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir), date.today()) as stack:
        base, token = stack["rasa"], stack["api_token"]
        borrower_token = issue_token("demo-multi")
        session = requests.Session()
        for text in PARSE_TEXTS:  # warm-up
            session.post(f"{base}/model/parse?token={token}", json={"text": text}).raise_for_status()
        parse = [
            ms for text in PARSE_TEXTS for ms in _timed(
                lambda: session.post(f"{base}/model/parse?token={token}", json={"text": text}).raise_for_status(), 10)
        ]
        turns = []
        for i in range(10):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for text in TURN_TEXTS:
                body = {"sender": sender, "message": text, "metadata": {"token": borrower_token}}
                turns += _timed(lambda: session.post(f"{base}/webhooks/rest/webhook", json=body).raise_for_status(), 1)
        print("machine: this one; stack: 1 Rasa worker, 1 action server, SQLite")
        _describe("POST /model/parse", parse)
        _describe("full REST turn (with actions, DB)", turns)


if __name__ == "__main__":
    main()
