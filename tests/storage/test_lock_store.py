"""The atomic Redis lock store against the real Redis (127.0.0.1:6379, as on every machine
of this project): several instances taking tickets for one conversation at once never get
the same number, and a lock is never deleted under a waiting ticket."""
import asyncio
import os
import threading
import uuid

import pytest
import redis

from bot.storage.lock_store import AtomicRedisLockStore

REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
DB = 15


@pytest.fixture
def prefix():
    client = redis.StrictRedis(host=REDIS_HOST, port=6379, db=DB)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not running at {REDIS_HOST}:6379 ({error})")
    prefix = "test" + uuid.uuid4().hex[:8]
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def store(prefix):
    return AtomicRedisLockStore(host=REDIS_HOST, port=6379, db=DB, key_prefix=prefix)


def test_concurrent_tickets_from_several_instances_are_unique(prefix):
    instances = [store(prefix) for _ in range(8)]
    issued, errors = [], []

    def take(instance):
        try:
            for _ in range(25):
                issued.append(instance.issue_ticket("conv-1", lock_lifetime=60))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=take, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(issued) == 200 and len(set(issued)) == 200
    lock = instances[0].get_lock("conv-1")
    assert lock is not None and len(lock.tickets) == 200


def test_messages_of_one_conversation_take_turns_across_instances(prefix):
    first, second = store(prefix), store(prefix)
    order = []

    async def handle(instance, name):
        async with instance.lock("conv-2", lock_lifetime=30, wait_time_in_seconds=0.01):
            order.append(f"{name}-start")
            await asyncio.sleep(0.05)
            order.append(f"{name}-end")

    async def both():
        await asyncio.gather(handle(first, "a"), handle(second, "b"))

    asyncio.run(both())
    assert order in (["a-start", "a-end", "b-start", "b-end"],
                     ["b-start", "b-end", "a-start", "a-end"])
    assert first.get_lock("conv-2") is None  # cleaned up once nobody waits


def test_built_from_an_endpoint_config(prefix):
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url=REDIS_HOST, type="bot.storage.lock_store.AtomicRedisLockStore",
                            port=6379, db=DB, key_prefix=prefix)
    from rasa.core.lock_store import LockStore

    lock_store = LockStore.create(config)
    assert isinstance(lock_store, AtomicRedisLockStore)
    assert lock_store.issue_ticket("conv-3") == 0
