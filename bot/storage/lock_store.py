"""A Redis lock store whose tickets are atomic, for several Rasa instances (scale-out mode).

Rasa's RedisLockStore reads a conversation's lock, changes it in Python and writes it back:
two instances taking a ticket for the same conversation at once can both read the same
lock, issue the same ticket number and each overwrite the other, so two messages of one
conversation run at the same time. Here every read-modify-write of a lock runs in a Redis
transaction that watches the lock's key (redis-py `transaction`: WATCH, MULTI, EXEC, and a
retry when another instance changed the key meanwhile).

endpoints.scale.yml: `lock_store: {type: bot.storage.lock_store.AtomicRedisLockStore, ...}`
with the same keys as Rasa's redis lock store (url, port, db, password, key_prefix, ...).
"""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # built by Rasa from endpoints.yml
            options = dict(endpoint_config.kwargs or {})
            kwargs = {"host": endpoint_config.url or "localhost", **options, **kwargs}
            kwargs.pop("type", None)
        super().__init__(**kwargs)

    # Rasa polls a busy lock once a second, so a borrower's second message (or the agent
    # console's) waited up to a second behind the first; a lock is held for one turn only.
    WAIT_SECONDS = 0.02

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = WAIT_SECONDS) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
            yield lock

    def _atomic(self, conversation_id: Text, change: Change) -> Any:
        """Apply `change` to the stored lock atomically; a None lock deletes the key."""
        key = self.key_prefix + conversation_id
        outcome: dict = {}

        def transaction(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, outcome["value"] = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())

        self.red.transaction(transaction, key)
        return outcome.get("value")

    def issue_ticket(self, conversation_id: Text,
                     lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]):
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomic(conversation_id, change)
        except Exception as error:  # noqa: BLE001 - Rasa expects a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]):
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomic(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]):
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._atomic(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove the ticket, and the lock when nobody else waits: in one step, so a ticket
        issued in between is never deleted with the lock."""
        def change(lock: Optional[TicketLock]):
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomic(conversation_id, change)
