"""Who may connect to the borrower socket, and for how long (real Rasa server)."""
import asyncio
import time

import jwt
import pytest

from bot.identity import ALGORITHM, ISSUER, issue_token
from tests.channels.support import Borrower, run

pytestmark = pytest.mark.conversation


def forged_token(borrower_id: str) -> str:
    """Well-formed, right claims, signed with a secret the server does not have."""
    now = int(time.time())
    claims = {"sub": borrower_id, "aud": "borrower", "iss": ISSUER, "iat": now, "exp": now + 600}
    return jwt.encode(claims, "someone-elses-secret-0123456789abcdef", algorithm=ALGORITHM)


@pytest.mark.parametrize("token, reason", [
    (None, "missing"),
    ("", "missing"),
    ("not-a-jwt", "malformed"),
    (forged_token("demo-m1"), "bad_signature"),
    (issue_token("demo-m1", ttl_seconds=60, now=time.time() - 3600), "expired"),
    (issue_token("demo-m1", audience="agent"), "wrong_audience"),
])
def test_connection_without_a_valid_borrower_token_is_refused_with_its_reason(web_stack, token, reason):
    assert run(Borrower(web_stack["rasa"], token).refused_reason()) == reason


def test_an_unsigned_alg_none_token_is_refused(web_stack):
    token = jwt.encode({"sub": "demo-m1", "aud": "borrower", "iss": ISSUER,
                        "iat": int(time.time()), "exp": int(time.time()) + 600}, None, algorithm="none")
    assert run(Borrower(web_stack["rasa"], token).refused_reason()) in ("bad_signature", "malformed")


def test_a_token_expiring_during_the_session_closes_the_socket(web_stack, fresh_id):
    """The stock channel checks the token only at connect; here a silent socket is closed when
    its token expires, so it stops receiving anything for that borrower."""
    async def scenario():
        me = await Borrower(web_stack["rasa"], issue_token(fresh_id(), ttl_seconds=3)).connect()
        await me.wait_for("history")
        error = await me.wait_for("auth_error", timeout=10)
        await asyncio.wait_for(me.disconnected.wait(), timeout=5)
        return error, me.client.connected

    error, still_connected = run(scenario())
    assert error == {"reason": "expired"}
    assert not still_connected


def test_a_valid_token_connects_and_gets_its_own_conversation(web_stack, fresh_id):
    borrower_id = fresh_id()

    async def scenario():
        me = await Borrower(web_stack["rasa"], issue_token(borrower_id)).connect()
        history = await me.wait_for("history")
        # Rasa's protocol: the client proposes a session id; ours is ignored.
        await me.client.emit("session_request", {"session_id": "b:demo-m1"})
        confirmed = await me.wait_for("session_confirm")
        await me.close()
        return history, confirmed

    history, confirmed = run(scenario())
    assert history == {"messages": []}
    assert confirmed == "b:" + borrower_id
