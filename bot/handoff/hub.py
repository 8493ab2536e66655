"""Process-wide access to the live Socket.IO server, so code outside the channel (the agent
API) can reach a borrower's room. With a Redis client manager the emit goes through Redis and
reaches the socket on whichever instance holds it."""
from __future__ import annotations

import logging
from typing import Any, Optional

logger = logging.getLogger(__name__)

# Set by BorrowerSocketChannel.blueprint(); None until the channel is mounted.
server: Optional[Any] = None


def register(sio: Any) -> None:
    global server
    server = sio


async def emit_to_conversation(conversation_id: str, event: str, data: Any) -> bool:
    """Emit `event` to every socket of the conversation ("b:<borrower_id>").

    False when no socket server runs in this process (REST-only set-up); the caller still
    stores what it sent, so the borrower sees it in the history on the next connect."""
    if server is None or not conversation_id:
        return False
    try:
        await server.emit(event, data, room=conversation_id)
    except Exception:  # a dead Redis must not break the agent's request
        logger.exception("emit %s to %s failed", event, conversation_id)
        return False
    return True
