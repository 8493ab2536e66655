"""Static pages served by the Rasa server itself (no second web process): the borrower chat
at /chat/, the agent console at /agent/ (with the agent JSON API blueprint) and, only when
BOT_DEMO=1, a demo sign-in at /demo/ that issues borrower tokens for the demo borrowers.

Mounted as a Rasa input channel (credentials.yml: `bot.channels.web.WebPages:`). Rasa
prefixes channel blueprints with /webhooks/; these pages live at the site root, so the
blueprint drops that prefix when it registers.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.api import agent_api_blueprint

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
DEMO_TOKEN_TTL_SECONDS = 3600

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}

# Scripts and styles only from files on this origin: no inline script can run, so text a
# borrower or an agent typed can never execute even if it reached the DOM as markup.
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'; object-src 'none'")
# The borrower pages set no HTML from strings at all; Trusted Types makes the browser
# refuse innerHTML & co. outright. (The agent console is another team's page.)
_CSP_STRICT = _CSP + "; require-trusted-types-for 'script'; trusted-types 'none'"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # The token travels in the URL fragment; no referrer leaves the page anyway.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cache-Control": "no-cache",
}


def demo_enabled() -> bool:
    return os.environ.get("BOT_DEMO", "").strip() == "1"


def _headers(strict: bool) -> Dict[str, str]:
    return {**SECURITY_HEADERS, "Content-Security-Policy": _CSP_STRICT if strict else _CSP}


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status,
                         headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


async def serve_file(folder: Path, name: str, strict: bool = True) -> HTTPResponse:
    """One file directly inside `folder` (no sub-paths, no dot-files, known types only)."""
    if not _FILE_NAME.match(name):
        return _error(404, "not_found", "页面不存在")
    path = folder / name
    content_type = _CONTENT_TYPES.get(path.suffix.lower())
    if content_type is None or not path.is_file() or path.resolve().parent != folder.resolve():
        return _error(404, "not_found", "页面不存在")
    return await response.file(path, headers=_headers(strict), mime_type=content_type)


# ---- demo ------------------------------------------------------------------------------

def _demo_borrowers() -> List[Dict[str, Any]]:
    from bot import clock
    from bot.accounts import overdue
    from bot.storage import repository
    from bot.storage.db import session_scope

    today = clock.today()
    out = []
    with session_scope() as session:
        for borrower in repository.list_demo_borrowers(session):
            accounts = []
            for account in borrower.accounts:
                days, stage = overdue(account, today)
                accounts.append({
                    "lender": account.lender,
                    "label": account.label,
                    "product": account.product,
                    "days_overdue": days,
                    "stage": stage.label,
                    "on_plan": bool(account.on_personalised_plan),
                })
            out.append({"id": borrower.id, "display_name": borrower.display_name,
                        "accounts": accounts})
    return out


def _demo_token(borrower_id: str) -> Optional[str]:
    from bot.identity import issue_token
    from bot.storage import repository
    from bot.storage.db import session_scope

    if not borrower_id.startswith(repository.DEMO_PREFIX):
        return None  # the demo never signs in a real borrower
    with session_scope() as session:
        if repository.get_borrower(session, borrower_id) is None:
            return None
    return issue_token(borrower_id, ttl_seconds=DEMO_TOKEN_TTL_SECONDS)


# ---- the agent API (bot.handoff.api) ----------------------------------------------------

def agent_api_blueprints() -> List[Any]:
    return [agent_api_blueprint()]



def add_page(bp: Blueprint, page: str, folder: Path, strict: bool = True) -> None:
    """/<page> redirects to /<page>/ (so the page's relative URLs resolve), which serves
    index.html; /<page>/<name> serves the page's other files."""

    async def redirect(_: Request) -> HTTPResponse:
        return response.redirect(f"/{page}/", headers=dict(SECURITY_HEADERS))

    async def index(_: Request) -> HTTPResponse:
        return await serve_file(folder, "index.html", strict=strict)

    async def file(_: Request, name: str) -> HTTPResponse:
        return await serve_file(folder, name, strict=strict)

    for handler, uri in ((redirect, f"/{page}"), (index, f"/{page}/"), (file, f"/{page}/<name>")):
        handler.__name__ = f"{page}_{handler.__name__}"  # e.g. "agent_index", as route name
        bp.add_route(handler, uri, methods=["GET"], name=handler.__name__)

class RootBlueprint(Blueprint):
    """Registers at the site root whatever prefix Rasa passes, then mounts the extras (the
    web pages with the agent API, and the review page with its API)."""

    def __init__(self, *args: Any, extras: Optional[List[Any]] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.extras = list(extras or [])

    def register(self, app, options):
        super().register(app, {**options, "url_prefix": None})
        for extra in self.ctx.extras:
            app.blueprint(extra)


class WebPages(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "web_pages"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebPages":
        credentials = credentials or {}
        return cls(web_root=credentials.get("web_root"))

    def __init__(self, web_root: Optional[str] = None) -> None:
        self.web_root = Path(web_root) if web_root else WEB_ROOT

    def url_prefix(self) -> Text:
        return ""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Strict: "/chat" redirects to "/chat/" so the page's relative URLs resolve.
        bp = RootBlueprint("web_pages", extras=agent_api_blueprints(), strict_slashes=True)
        chat_dir = self.web_root / "chat"
        demo_dir = self.web_root / "demo"
        agent_dir = self.web_root / "agent"

        add_page(bp, "chat", chat_dir)

        @bp.route("/common/<name>", methods=["GET"])
        async def common_file(_: Request, name: str) -> HTTPResponse:
            return await serve_file(self.web_root / "common", name)

        add_page(bp, "agent", agent_dir, strict=False)

        @bp.route("/demo", methods=["GET"])
        async def demo_redirect(_: Request) -> HTTPResponse:
            if not demo_enabled():
                return _error(404, "not_found", "页面不存在")
            return response.redirect("/demo/", headers=dict(SECURITY_HEADERS))

        @bp.route("/demo/", methods=["GET"])
        async def demo_index(_: Request) -> HTTPResponse:
            if not demo_enabled():
                return _error(404, "not_found", "页面不存在")
            return await serve_file(demo_dir, "index.html")

        @bp.route("/demo/api/borrowers", methods=["GET"])
        async def demo_list(_: Request) -> HTTPResponse:
            if not demo_enabled():
                return _error(404, "not_found", "页面不存在")
            return response.json({"borrowers": _demo_borrowers()},
                                 headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

        @bp.route("/demo/token", methods=["POST"])
        async def demo_token(request: Request) -> HTTPResponse:
            if not demo_enabled():
                return _error(404, "not_found", "页面不存在")
            # JSON only: a cross-site form cannot send it without a CORS preflight.
            if "application/json" not in (request.headers.get("content-type") or ""):
                return _error(415, "unsupported_media_type", "请以 JSON 提交")
            try:
                body = request.json
            except Exception:
                body = None
            borrower_id = body.get("borrower_id") if isinstance(body, dict) else None
            if not isinstance(borrower_id, str) or not borrower_id:
                return _error(400, "bad_request", "请选择一位演示用户")
            token = _demo_token(borrower_id)
            if token is None:
                return _error(404, "unknown_borrower", "没有这位演示用户")
            return response.json({"token": token, "expires_in": DEMO_TOKEN_TTL_SECONDS},
                                 headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

        @bp.route("/demo/<name>", methods=["GET"])
        async def demo_file(_: Request, name: str) -> HTTPResponse:
            if not demo_enabled():
                return _error(404, "not_found", "页面不存在")
            return await serve_file(demo_dir, name)

        return bp
