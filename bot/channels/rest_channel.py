"""The app's REST channel (POST /webhooks/rest/webhook), with the handoff built in.

Rasa's RestInput as is, plus: while the conversation has an open handoff ticket, the
borrower's words are kept on the ticket for the agent, self-harm talk gets the help lines at
once (and makes the ticket urgent), and when the paused bot says nothing the app gets the
handoff state instead of an empty answer (docs/channels.md).
"""
import asyncio
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.socket_channel import handoff_state_for, keep_for_agent


class BorrowerRestChannel(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the documented URL /webhooks/rest/webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> None:
            loop = asyncio.get_running_loop()
            kept = await loop.run_in_executor(None, keep_for_agent, message.sender_id, message.text or "")
            handed_off = kept is not None
            if kept:  # self-harm talk while waiting: the help lines now, the bot being paused
                await message.output_channel.send_text_message(message.sender_id, kept)
            await on_new_message(message)
            if handed_off and not message.output_channel.messages:
                state = await loop.run_in_executor(None, handoff_state_for, message.sender_id)
                if state:
                    await message.output_channel.send_custom_json(message.sender_id, {"handoff": state})

        return super().blueprint(handle)
