"""`make bench`: speed figures of the running assistant, printed and written to
docs/performance.md, never asserted.

1. One user, default mode (1 Rasa worker, 1 action server, SQLite): /model/parse (repeated,
   new and 5,000-character texts), full REST turns, the crisis path.
2. Concurrent conversations (5 turns each, a demo token) at 20 and 50 at once, against the
   default mode and against scale-out mode (nginx, 2 Rasa instances, 2 action servers,
   PostgreSQL, Redis): turns/s, p50/p95, errors and empty replies.
3. Peak memory of each process, and training from scratch.

BENCH_QUICK=1 skips the training run (for a quick look).
"""
from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

from bot.devstack import ROOT, VENV_BIN, running_stack
from bot.identity import issue_token

PARSE_TEXTS = ["我失业了还不上信用卡", "逾期一个月要交多少违约金", "能不能分24期", "每个月最多还两千",
               "会不会上征信", "我忘了还款日", "下周五还3000", "催收天天打电话给我爸妈"]
TURN_TEXTS = ["查一下我欠多少钱", "逾期的违约金怎么算", "会影响征信吗", "我失业了还不上"]
# A 5-turn conversation as in the scale-out issue's first measurement.
CONVERSATION = ["你好", "查一下我欠多少钱", "逾期的违约金怎么算", "会影响征信吗", "谢谢"]
DEMO_BORROWERS = ["demo-m1", "demo-m3", "demo-multi", "demo-grace"]
ALWAYS_OPEN = ROOT / "tests" / "data" / "handoff_always_open.yml"
REPORT = ROOT / "docs" / "performance.md"

Row = Tuple[str, str]


def _pct(samples: List[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(len(ordered) * q)) - 1)]


def _timed(fn: Callable[[], Any], repeat: int) -> List[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _latency(samples: List[float]) -> str:
    return f"p50 {statistics.median(samples):.1f} ms, p95 {_pct(samples, 0.95):.1f} ms (n={len(samples)})"


def _peak_mb(pid: int) -> Optional[float]:
    """Peak resident memory (VmHWM) of a process, MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _crisis_timings(session: requests.Session, base: str, database_url: str,
                    repeat: int = 10) -> Tuple[List[float], List[float]]:
    """From sending a self-harm message to (a) the reply with the help lines and (b) the
    urgent ticket in the queue (its created_at)."""
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


def one_user(stack: Dict[str, Any]) -> List[Row]:
    base, token = stack["rasa"], stack["api_token"]
    session = requests.Session()
    borrower_token = issue_token("demo-multi")

    def parse(text: str) -> None:
        session.post(f"{base}/model/parse?token={token}", json={"text": text}).raise_for_status()

    for text in PARSE_TEXTS:  # warm-up
        parse(text)
    repeated = [ms for text in PARSE_TEXTS for ms in _timed(lambda text=text: parse(text), 10)]
    # Texts never seen before: our classifiers cache normalised text, so the repeated texts
    # measure the warm path and these the cold one.
    fresh = iter([f"{text}，第{i}回{j}" for i in range(10) for j, text in enumerate(PARSE_TEXTS)])
    new = _timed(lambda: parse(next(fresh)), len(PARSE_TEXTS) * 10)
    long_text = ("我下个月5号还3千5，剩下的分12期。" * 300)[:5000]
    long = _timed(lambda: parse(long_text), 5)
    turns: List[float] = []
    for _ in range(15):
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        for text in TURN_TEXTS:
            body = {"sender": sender, "message": text, "metadata": {"token": borrower_token}}
            turns += _timed(lambda body=body: session.post(f"{base}/webhooks/rest/webhook",
                                                           json=body).raise_for_status(), 1)
    lines, ticket = _crisis_timings(session, base, stack["env"]["DATABASE_URL"])
    return [("`/model/parse`, repeated texts", _latency(repeated)),
            ("`/model/parse`, new texts", _latency(new)),
            ("`/model/parse`, 5,000 characters", _latency(long)),
            ("one user, full REST turn (NLU, policies, action server, database)", _latency(turns)),
            ("crisis message → reply with the help lines", _latency(lines)),
            ("crisis message → urgent ticket stored", _latency(ticket))]


async def _load(base: str, conversations: int, concurrency: int) -> Dict[str, Any]:
    """`conversations` 5-turn conversations, `concurrency` of them at once, each turn sent
    when the previous answer came back (as a borrower would)."""
    import aiohttp

    latencies: List[float] = []
    errors = empty = 0
    queue: "asyncio.Queue[int]" = asyncio.Queue()
    for i in range(conversations):
        queue.put_nowait(i)
    tokens = {b: issue_token(b) for b in DEMO_BORROWERS}
    run_id = uuid.uuid4().hex[:6]

    async def borrower(session: "aiohttp.ClientSession") -> None:
        nonlocal errors, empty
        while not queue.empty():
            i = queue.get_nowait()
            sender = f"load-{run_id}-{i}"
            token = tokens[DEMO_BORROWERS[i % len(DEMO_BORROWERS)]]
            for text in CONVERSATION:
                start = time.perf_counter()
                try:
                    async with session.post(f"{base}/webhooks/rest/webhook", json={
                            "sender": sender, "message": text, "metadata": {"token": token}}) as response:
                        body = await response.json(content_type=None)
                        ok = response.status == 200
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    ok, body = False, None
                latencies.append((time.perf_counter() - start) * 1000)
                if not ok:
                    errors += 1
                elif not any((m.get("text") or "").strip() for m in body or []):
                    empty += 1

    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(borrower(session) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return {"turns": len(latencies), "seconds": seconds, "rate": len(latencies) / seconds,
            "p50": statistics.median(latencies), "p95": _pct(latencies, 0.95),
            "errors": errors, "empty": empty}


def load_rows(base: str, mode: str,
              levels: Tuple[Tuple[int, int], ...] = ((20, 100), (50, 200))) -> List[Row]:
    rows = []
    asyncio.run(_load(base, 10, 10))  # warm-up: every process has served a turn
    for concurrency, conversations in levels:
        result = asyncio.run(_load(base, conversations, concurrency))
        rows.append((f"{mode}: {concurrency} conversations at once ({conversations} in all, "
                     f"{result['turns']} turns)",
                     f"**{result['rate']:.1f} turns/s**, p50 {result['p50']:.0f} ms, "
                     f"p95 {result['p95']:.0f} ms, {result['errors']} errors, "
                     f"{result['empty']} empty replies"))
    return rows


def memory_rows(mode: str, pids: Dict[str, List[int]]) -> List[Row]:
    rows = []
    for name, ids in pids.items():
        peaks = [p for p in (_peak_mb(pid) for pid in ids) if p is not None]
        if peaks:
            rows.append((f"{mode}: peak memory, {name}",
                         " / ".join(f"{p:.0f} MB" for p in peaks)))
    return rows


def training_row() -> Row:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        # An empty training cache of its own: Rasa would otherwise reuse what it trained before.
        env = dict(os.environ, RASA_CACHE_DIRECTORY=str(Path(out) / "cache"))
        subprocess.run([str(VENV_BIN / "rasa"), "train", "--out", out, "--num-threads", "2",
                        "--fixed-model-name", "bench"], cwd=ROOT, check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return ("training from scratch (`rasa train`, NLU and policies)",
                f"{time.perf_counter() - start:.0f} s")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal:")))
        memory = f"{mem_kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    return (f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def write_report(rows: List[Row]) -> None:
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (bot/bench.py); the figures of the last run on the machine below.",
        "Client and servers share the machine, so the load generator takes some of its CPU.",
        "",
        f"- **Machine:** {machine()}",
        f"- **Run:** {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit "
        f"`{_commit()}`",
        "- **Default mode:** 1 Rasa worker, 1 action server, SQLite tracker store and tables,",
        "  in-memory lock store.",
        "- **Scale-out mode:** nginx, 2 Rasa instances, 2 action servers, PostgreSQL, Redis",
        "  (`make run-scaled`).",
        "- **Load:** 5-turn conversations (greeting, debt, late fee, credit report, thanks) with",
        "  demo tokens; each turn is sent when the previous answer has arrived.",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value} |" for name, value in rows]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return (done.stdout.strip() or "unknown") + (" with uncommitted changes" if dirty else "")


def main() -> None:
    from bot.scaled_stack import running_scaled_stack

    rows: List[Row] = []
    extra = {"BOT_HANDOFF_SETTINGS": str(ALWAYS_OPEN)}
    with tempfile.TemporaryDirectory() as workdir:
        (Path(workdir) / "default").mkdir()
        with running_stack(Path(workdir) / "default", date.today(), extra_env=extra) as stack:
            rows += one_user(stack)
            _print(rows)
            rows += load_rows(stack["rasa"], "default mode")
            rows += memory_rows("default mode", {"Rasa server": [stack["pids"]["rasa"]],
                                                 "action server": [stack["pids"]["actions"]]})
            _print(rows[-4:])
        with running_scaled_stack(Path(workdir) / "scaled", date.today(), extra_env=extra) as scaled:
            rows += load_rows(scaled["url"], "scale-out mode")
            rows += memory_rows("scale-out mode", {"Rasa servers": scaled["pids"]["rasa"],
                                                   "action servers": scaled["pids"]["actions"],
                                                   "nginx": [scaled["pids"]["nginx"]]})
            _print(rows[-5:])
        # The bench's conversations repeat, so TED's remembered predictions (bot/dialogue/
        # cached_ted.py) are found; with the cache off every prediction runs the network, as
        # for conversations that never repeat: the worst case.
        with running_scaled_stack(Path(workdir) / "scaled-nocache", date.today(),
                                  extra_env={**extra, "TED_CACHE_SIZE": "0"}) as scaled:
            rows += load_rows(scaled["url"], "scale-out mode, TED cache off", levels=((50, 200),))
            _print(rows[-1:])
    if not os.environ.get("BENCH_QUICK"):
        rows.append(training_row())
        _print(rows[-1:])
    write_report(rows)
    print(f"\nwritten to {REPORT.relative_to(ROOT)}", file=sys.stderr)


def _print(rows: List[Row]) -> None:
    for name, value in rows:
        print(f"{name:<70} {value.replace('**', '')}", flush=True)


if __name__ == "__main__":
    main()
