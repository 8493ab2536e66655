"""The pages served by the WebPages channel: headers, files, the demo sign-in."""
import asyncio
import re
from pathlib import Path

import pytest
import requests

from bot.channels import web
from bot.identity import verify_token

WEB = Path(web.__file__).resolve().parents[1] / "web"


def get(stack, path, **kw):
    return requests.get(stack["rasa"] + path, timeout=30, allow_redirects=False, **kw)


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


@pytest.mark.parametrize("path", ["/chat/", "/demo/"])
def test_pages_are_served_with_a_strict_policy(web_stack, path):
    response = get(web_stack, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"] and csp["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["require-trusted-types-for"] == ["'script'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Location" not in response.headers


@pytest.mark.parametrize("folder", ["chat", "demo"])
def test_page_html_has_no_inline_script_or_handlers(folder):
    html = (WEB / folder / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)
    assert not re.search(r"\sstyle\s*=", html, re.I)


@pytest.mark.parametrize("path", sorted(p.relative_to(WEB).as_posix()
                                        for p in WEB.glob("*/*.js") if p.parent.name in ("chat", "demo")))
def test_scripts_never_build_html_from_strings(path):
    source = (WEB / path).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in source, f"{path} uses {sink}"


def test_static_files_have_their_types_and_nothing_else_is_reachable(web_stack):
    assert get(web_stack, "/chat/chat.js").headers["Content-Type"].startswith("text/javascript")
    assert get(web_stack, "/chat/sio.js").status_code == 200
    assert get(web_stack, "/chat/chat.css").headers["Content-Type"].startswith("text/css")
    for path in ("/chat/..%2F..%2Fchannels%2Fweb.py", "/chat/%2e%2e", "/chat/.env",
                 "/chat/missing.js", "/chat/x.py"):
        assert get(web_stack, path).status_code == 404, path
    redirect = get(web_stack, "/chat")
    assert redirect.status_code in (301, 302) and redirect.headers["Location"] == "/chat/"


def test_demo_lists_the_demo_borrowers_with_their_stage(web_stack):
    borrowers = get(web_stack, "/demo/api/borrowers").json()["borrowers"]
    by_id = {b["id"]: b for b in borrowers}
    assert {"demo-current", "demo-grace", "demo-m1", "demo-m3", "demo-m6plus", "demo-multi",
            "demo-onplan"} <= set(by_id)
    m1 = by_id["demo-m1"]
    assert m1["display_name"] == "张先生"
    assert m1["accounts"][0]["days_overdue"] == 20 and "M1" in m1["accounts"][0]["stage"]
    assert len(by_id["demo-multi"]["accounts"]) == 4


def test_demo_token_is_a_borrower_token_for_demo_borrowers_only(web_stack):
    url = web_stack["rasa"] + "/demo/token"
    response = requests.post(url, json={"borrower_id": "demo-m1"}, timeout=30)
    assert response.status_code == 200
    assert verify_token(response.json()["token"]) == "demo-m1"
    assert response.headers["Cache-Control"] == "no-store"
    assert requests.post(url, json={"borrower_id": "someone-real"}, timeout=30).status_code == 404
    assert requests.post(url, json={"borrower_id": "demo-nobody"}, timeout=30).status_code == 404
    assert requests.post(url, json={}, timeout=30).status_code == 400
    form = requests.post(url, data={"borrower_id": "demo-m1"}, timeout=30)
    assert form.status_code == 415 and form.json()["error"] == "unsupported_media_type"


def _handlers():
    bp = web.WebPages().blueprint(None)
    return {route.handler.__name__: route.handler for route in bp._future_routes}


def test_demo_is_off_unless_bot_demo_is_1(monkeypatch):
    monkeypatch.delenv("BOT_DEMO", raising=False)
    handlers = _handlers()

    async def statuses():
        return [
            (await handlers["demo_index"](None)).status,
            (await handlers["demo_file"](None, "demo.js")).status,
            (await handlers["demo_list"](None)).status,
            (await handlers["demo_token"](None)).status,
        ]

    assert asyncio.run(statuses()) == [404, 404, 404, 404]


def test_agent_console_folder_is_served_only_if_present(tmp_path):
    (tmp_path / "chat").mkdir()
    bp = web.WebPages(web_root=str(tmp_path)).blueprint(None)
    handlers = {route.handler.__name__: route.handler for route in bp._future_routes}
    assert asyncio.run(handlers["agent_index"](None)).status == 404
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "index.html").write_text("<!doctype html><title>x</title>")
    response = asyncio.run(handlers["agent_index"](None))
    assert response.status == 200
    assert "trusted-types" not in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
