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
"""
import asyncio
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.inbound import admit_rest, checked_text
from bot.channels.slow_turns import answered_in_time
from bot.deployment import require_safe_startup
from bot.handoff import borrower_side

# A refusal the app can show as it is; the borrower's words are not kept.
_REFUSALS: Dict[str, Dict[str, Any]] = {
    "bad_sender": {"status": 400, "message": "请求缺少有效的会话编号。"},
    "not_your_conversation": {"status": 403,
                              "message": "这个对话不属于当前登录的账户。请重新登录后再继续。"},
    "bad_request": {"status": 400, "message": "请求格式不正确。"},
}


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
            loop = asyncio.get_running_loop()
            admission = await loop.run_in_executor(None, admit_rest, sender, token)
            if not admission.ok:
                return _refuse(admission.reason)
            text = await checked_text(request.app.ctx.agent, sender, text)
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name(),
                                  metadata=admission.metadata)
            kept = await loop.run_in_executor(None, borrower_side.keep_for_agent, sender, text)
            if kept:  # self-harm talk or a scam while waiting: answered now, the bot paused
                await collector.send_text_message(sender, kept)
            in_time = await answered_in_time(
                on_new_message(message), text,
                lambda text, buttons: collector.send_text_with_buttons(sender, text, buttons))
            if in_time and kept is not None and not collector.messages:
                state = await loop.run_in_executor(None, borrower_side.handoff_state_for, sender)
                if state:
                    await collector.send_custom_json(sender, {"handoff": state})
            return response.json(list(collector.messages))  # a late turn adds no more

        return webhook
