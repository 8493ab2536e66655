"""The app's REST channel (POST /webhooks/rest/webhook), with the trust checks and the
handoff built in.

Body: {"sender": "...", "message": "...", "metadata": {"token": "<borrower token>"}}.
- bot.channels.inbound decides what is trusted: the token is verified here and only a
  short proof for the action server goes on; a conversation belongs to one borrower (403
  for anyone else, and for the socket's "b:" conversations); a slash payload is a command
  only when it is a button the assistant just offered.
- While the conversation has an open handoff ticket, the borrower's words are kept on the
  ticket for the agent, self-harm talk and scams get their answer at once, and when the
  paused bot says nothing the app gets the handoff state instead of an empty answer
  (docs/channels.md).
- Never an empty answer caused by a failure (bot.channels.slow_turns): a slow turn is told
  within TURN_REPLY_SECONDS; a failed action call or a silent turn gets the trouble sentence
  and a way to a person; our database down before the turn gets 200 with the sentence asking
  to send the message again (it was not processed), never a bare 500.
"""
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.inbound import Admission, admit_rest, checked_text
from bot.channels.slow_turns import (
    PROBE_SECONDS,
    before_deadline,
    deadline_in,
    handoff_can_work,
    refuse_blank_trackers,
    run_turn,
    seconds_left,
    trouble_reply,
)
from bot.deployment import require_safe_startup
from bot.handoff import borrower_side

# A refusal the app can show as it is; the borrower's words are not kept.
_REFUSALS: Dict[str, Dict[str, Any]] = {
    "bad_sender": {"status": 400, "message": "请求缺少有效的会话编号。"},
    "not_your_conversation": {"status": 403,
                              "message": "这个对话不属于当前登录的账户。请重新登录后再继续。"},
    "bad_request": {"status": 400, "message": "请求格式不正确。"},
}


async def _say(collector: CollectingOutputChannel, sender: Any, text: str, buttons: List) -> None:
    if buttons:
        await collector.send_text_with_buttons(sender, text, buttons)
    else:
        await collector.send_text_message(sender, text)


def _refuse(reason: str) -> response.HTTPResponse:
    refusal = _REFUSALS[reason]
    return response.json({"error": reason, "message": refusal["message"]},
                         status=refusal["status"])


class BorrowerRestChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the documented URL /webhooks/rest/webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        require_safe_startup("rasa")  # production refuses development secrets and the demo
        webhook = Blueprint("borrower_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            body = request.json if isinstance(request.json, dict) else None
            if body is None:
                return _refuse("bad_request")
            sender, text = body.get("sender"), body.get("message")
            text = text if isinstance(text, str) else ""
            metadata = body.get("metadata")
            token = metadata.get("token") if isinstance(metadata, dict) else None
            deadline = deadline_in()  # the borrower hears from us within TURN_REPLY_SECONDS
            collector = CollectingOutputChannel()
            admission = await before_deadline(deadline, admit_rest, sender, token,
                                              fallback=Admission(False, "unavailable"))
            if admission.reason == "unavailable":  # our database: nothing was processed
                await _say(collector, sender, *trouble_reply(text, kept=False))
                return response.json(list(collector.messages))
            if not admission.ok:
                return _refuse(admission.reason)
            refuse_blank_trackers(request.app.ctx.agent)
            text = await checked_text(request.app.ctx.agent, sender, text)
            message = UserMessage(text, collector, sender, input_channel=self.name(),
                                  metadata=admission.metadata)
            kept = await before_deadline(deadline, borrower_side.keep_for_agent, sender, text)
            if kept:  # self-harm talk or a scam while waiting: answered now, the bot paused
                await collector.send_text_message(sender, kept)
            said_before = len(collector.messages)
            outcome = await run_turn(
                on_new_message(message), text,
                lambda text, buttons: _say(collector, sender, text, buttons), deadline)
            if not outcome.in_time:
                return response.json(list(collector.messages))  # a late turn adds no more
            if outcome.error is not None:  # not kept: what the turn said is not remembered
                del collector.messages[said_before:]
                await _say(collector, sender, *trouble_reply(text, kept=False))
                return response.json(list(collector.messages))
            if kept is not None and not outcome.went_wrong and not collector.messages:
                state = await before_deadline(deadline, borrower_side.handoff_state_for, sender)
                if state:  # paused for a person: the app shows the handoff state
                    await collector.send_custom_json(sender, {"handoff": state})
            if outcome.went_wrong or not collector.messages:
                agent = request.app.ctx.agent
                person = await handoff_can_work(agent, min(PROBE_SECONDS, seconds_left(deadline)))
                await _say(collector, sender, *trouble_reply(text, kept=True, person_button=person))
            return response.json(list(collector.messages))  # a late turn adds no more

        return webhook
