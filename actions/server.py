"""The action server: rasa-sdk's app, on loopback unless told otherwise, answering only our
Rasa server.

    python -m actions.server            (ACTION_HOST, default 127.0.0.1; ACTION_PORT, 5055)

Why not `rasa run actions`: that listens on every interface and runs any action for whoever
posts a tracker. Here every call but /health must carry ACTION_SERVER_SECRET in the
X-Action-Secret header (endpoints.yml makes Rasa send it), and in production the server
refuses to start without its secrets (bot.deployment).
"""
import hmac
import logging
import os
import sys

from rasa_sdk.endpoint import create_app
from sanic import response

from bot.deployment import DeploymentError, action_server_secret, require_safe_startup

HEADER = "X-Action-Secret"
logger = logging.getLogger(__name__)


def build_app():
    app = create_app("actions", cors_origins="")  # no browser ever calls this server
    secret = action_server_secret().encode("utf-8")

    @app.middleware("request")
    async def only_our_rasa_server(request):
        if request.path == "/health":
            return None
        given = (request.headers.get(HEADER) or "").encode("utf-8")
        if not secret or not hmac.compare_digest(given, secret):
            return response.json({"error": "forbidden"}, status=403)
        return None

    return app


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    try:
        require_safe_startup("actions")
    except DeploymentError as error:
        print(error, file=sys.stderr)
        return 2
    from bot.distress.detector import assess_message

    assess_message("")  # load (or train and cache) the level model before the first borrower
    host = os.environ.get("ACTION_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTION_PORT", "5055"))
    logger.info("action server on http://%s:%s", host, port)
    build_app().run(host, port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
