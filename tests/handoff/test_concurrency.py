"""The claim is atomic: N agents racing for one ticket, each thread with its own Session
(SqlHandoffQueue opens one per call), on SQLite and PostgreSQL. Exactly one wins."""
import threading
from collections import Counter

import pytest
from sqlalchemy import event

from bot.handoff.sql_queue import SqlHandoffQueue
from bot.storage.db import get_engine
from tests.handoff.conftest import make_agent

THREADS = 8
ROUNDS = 10  # tickets raced for, one after the other


def _race(n, fn):
    """Start n threads at the same instant (barrier); return their results or errors."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = ("ok", fn(i))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[i] = ("error", repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def racers(db_url):
    return [make_agent(db_url, f"agent{i}", f"客服{i}", "racing-pass-1") for i in range(THREADS)]


def test_exactly_one_of_n_concurrent_claims_wins(db_url, racers):
    queue = SqlHandoffQueue(db_url)
    winners = Counter()
    for round_no in range(ROUNDS):
        ticket = queue.open_ticket(f"race-{round_no}", None, "urgent", "crisis")
        results = _race(THREADS, lambda i, ticket=ticket: queue.claim(ticket.id, racers[i]))
        assert [r for r in results if r[0] == "error"] == []
        won = [(i, r[1]) for i, r in enumerate(results) if r[1] is not None]
        assert len(won) == 1, results
        index, claimed = won[0]
        assert claimed.agent_id == racers[index]
        stored = queue.get(ticket.id)
        assert (stored.status, stored.agent_id) == ("claimed", racers[index])
        winners[index] += 1
    assert sum(winners.values()) == ROUNDS


def test_concurrent_open_ticket_for_one_conversation_makes_one_ticket(db_url):
    queue = SqlHandoffQueue(db_url)
    priorities = ["normal", "high", "urgent", "normal"] * 2
    categories = ["human", "distress", "crisis", "fallback"] * 2
    results = _race(len(priorities), lambda i: queue.open_ticket(
        "same-conv", "b1", priorities[i], categories[i], {"from": i}))
    assert [r for r in results if r[0] == "error"] == []
    assert len({r[1].id for r in results}) == 1
    (only,) = queue.list_queue()
    assert (only.priority, only.category) == ("urgent", "crisis")


def test_claim_is_a_single_conditional_update(db_url, racers):
    """The claim issues one UPDATE ... WHERE id = ? AND status = 'waiting', no SELECT before
    it in the transaction: there is no read-then-write window to race in."""
    queue = SqlHandoffQueue(db_url)
    ticket = queue.open_ticket("sql-shape", None, "normal", "human")
    statements = []

    def capture(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()).lower())

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert queue.claim(ticket.id, racers[0]) is not None
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    writes = [s for s in statements if s.startswith(("update", "insert", "delete", "select"))]
    assert writes[0].startswith("update tickets set")
    assert "where tickets.id =" in writes[0] and "tickets.status =" in writes[0]
    assert sum(s.startswith("update") for s in writes) == 1
