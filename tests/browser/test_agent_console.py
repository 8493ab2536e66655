"""The agent console (/agent/) in a real browser against the real stack.

End to end: a borrower in the web chat writes a crisis message, sees the help lines; the
demo agent signs in, finds the urgent ticket on top with its summary, claims it, replies (the
borrower sees it), resolves it with a note, and the assistant answers the borrower again.
A second test checks the console's own rules (other agent's ticket, required note, 409,
sign-out) on a ticket opened straight in the queue.

Browser: Debian's chromium at /usr/bin/chromium driven by Playwright (never downloaded).
Screenshots go to test-artifacts/.
"""
import contextlib
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import requests

from bot.devstack import running_stack

pytestmark = pytest.mark.conversation

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TODAY = date(2026, 11, 23)
DEMO_AGENT = "demo-agent"
DEMO_AGENT_PASSWORD = "demo-agent-pass-for-tests"
# Agents on duty whatever the hour the suite runs at (the console's closed notice is checked
# on a rewritten queue answer instead).
ALWAYS_OPEN = str(ROOT / "tests" / "data" / "handoff_always_open.yml")
CRISIS_TEXT = "我真的不想活了"
HELP_LINES = ("12356", "400-161-9995", "110", "120")
SLOW = 90_000  # ms: the first turn loads the model's pipeline
POLL = 15_000  # ms: a few queue/ticket polls


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with running_stack(tmp_path_factory.mktemp("agent-console"), TODAY,
                       extra_env={"BOT_DEMO": "1", "DEMO_AGENT_PASSWORD": DEMO_AGENT_PASSWORD,
                                  "BOT_HANDOFF_SETTINGS": ALWAYS_OPEN}) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def demo_token(stack, borrower_id):
    response = requests.post(stack["rasa"] + "/demo/token", json={"borrower_id": borrower_id}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def watch_console(page, errors):
    """A CSP violation or a script error on a page fails the test (HTTP errors the test
    provokes on purpose, 401 and 409, are logged by the browser too and do not count)."""
    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"{page.url}: {message.text}")
    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))


@contextlib.contextmanager
def step(name, *pages):
    """Names the step in the failure and keeps a screenshot of every page at that moment."""
    try:
        yield
    except Exception as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, page in enumerate(pages):
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"agent-console-failed-{i}.png"), full_page=True)
        raise AssertionError(f"step failed: {name}: {exc}") from exc


def sign_in(page, base, username=DEMO_AGENT, password=DEMO_AGENT_PASSWORD):
    page.goto(base + "/agent/")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    expect(page.locator("#desk")).to_be_visible(timeout=POLL)


def test_crisis_handoff_end_to_end(stack, browser):
    base = stack["rasa"]
    errors = []
    ARTIFACTS.mkdir(exist_ok=True)
    borrower_ctx = browser.new_context(viewport={"width": 420, "height": 860}, locale="zh-CN",
                                      reduced_motion="reduce")  # no smooth scroll in screenshots
    agent_ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    chat, desk = borrower_ctx.new_page(), agent_ctx.new_page()
    watch_console(chat, errors)
    watch_console(desk, errors)
    try:
        with step("borrower opens the chat", chat):
            chat.goto(f"{base}/chat/#token={demo_token(stack, 'demo-m6plus')}")
            expect(chat.locator("#composer-input")).to_be_enabled(timeout=POLL)

        with step("borrower writes a crisis message and sees the help lines", chat):
            chat.fill("#composer-input", CRISIS_TEXT)
            chat.press("#composer-input", "Enter")
            help_bubble = chat.locator("#messages .msg-bot .bubble", has_text="12356")
            expect(help_bubble).to_be_visible(timeout=SLOW)
            for line in HELP_LINES:
                expect(help_bubble).to_contain_text(line)
            chat.screenshot(path=str(ARTIFACTS / "agent-console-borrower-crisis.png"))

        with step("the agent signs in", desk):
            sign_in(desk, base)
            expect(desk.locator("#agent-name")).to_contain_text("坐席")
            assert desk.evaluate("sessionStorage.getItem('agent-console-token')")

        with step("the crisis ticket is in the queue, on top, marked urgent (the crisis action "
                  "must open an urgent crisis ticket for b:demo-m6plus)", desk):
            top = desk.locator("#queue > li").first
            expect(top).to_contain_text("demo-m6plus", timeout=POLL)
            expect(top).to_have_class(re.compile(r"\bpriority-urgent\b"))
            expect(top.locator(".badge")).to_contain_text("紧急")
            expect(top.locator(".row-category")).to_have_text("危机")
            expect(top.locator(".row-status")).to_have_text("等待接单")
            badge_colour = top.locator(".badge").evaluate("e => getComputedStyle(e).backgroundColor")
            assert badge_colour == "rgb(179, 38, 30)", badge_colour  # the red of --urgent
            wait = top.locator(".row-wait")
            expect(wait).to_have_text(re.compile(r"^已等待 \d{2}:\d{2}$"))
            first = wait.text_content()
            expect(wait).not_to_have_text(first, timeout=5_000)  # it ticks

        with step("the ticket shows the help lines and the case summary", desk):
            top.locator(".row-open").click()
            ticket = desk.locator("#ticket")
            expect(ticket).to_be_visible()
            expect(desk.locator("#ticket-title")).to_contain_text("危机")
            reminder = desk.locator("#crisis-reminder")
            expect(reminder).to_be_visible(timeout=POLL)
            for line in HELP_LINES:
                expect(reminder).to_contain_text(line)
            # The reminder comes before the rest of the summary.
            assert desk.evaluate("""() => {
                const r = document.getElementById('crisis-reminder');
                const b = document.getElementById('summary-body');
                return !!(r.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
            }""")
            summary = desk.locator("#summary-body")
            expect(summary).to_contain_text("危机信号", timeout=POLL)
            expect(summary.locator("table.accounts tbody tr").first).to_be_visible()
            expect(summary).to_contain_text("逾期")
            expect(summary).to_contain_text(CRISIS_TEXT)  # last messages
            expect(desk.locator("#transcript .line-borrower", has_text=CRISIS_TEXT)).to_be_visible()
            expect(desk.locator("#transcript .line-bot", has_text="12356")).to_be_visible()
            expect(desk.locator("#reply-form")).to_be_hidden()  # not claimed yet

        with step("the agent claims it; the borrower sees the agent joined", desk, chat):
            desk.click("#ticket-claim")
            expect(desk.locator("#reply-form")).to_be_visible(timeout=POLL)
            expect(desk.locator("#reply-input")).to_be_focused()
            expect(desk.locator("#ticket-meta")).to_contain_text("处理中（我）")
            expect(chat.locator("#handoff-banner")).to_contain_text("已接入", timeout=POLL)

        reply = "您好，我是人工客服。谢谢您愿意说出来，您现在身边有人陪着吗？"
        with step("the agent replies (Enter sends); the borrower sees it", desk, chat):
            desk.fill("#reply-input", reply)
            desk.press("#reply-input", "Enter")
            expect(desk.locator("#transcript .line-agent", has_text=reply)).to_be_visible(timeout=POLL)
            expect(desk.locator("#reply-input")).to_have_value("")
            expect(chat.locator("#messages .msg-agent .bubble", has_text=reply)).to_be_visible(timeout=POLL)

        borrower_words = "我妈妈在旁边陪着我"
        with step("the borrower answers; the agent sees it within a poll, the paused assistant "
                  "stays quiet", desk, chat):
            bot_lines_before = chat.locator("#messages .msg-bot").count()
            chat.fill("#composer-input", borrower_words)
            chat.press("#composer-input", "Enter")
            expect(desk.locator("#transcript .line-borrower", has_text=borrower_words)).to_be_visible(timeout=POLL)
            desk.evaluate("window.scrollTo(0, 0)")  # the queue column is sticky
            desk.screenshot(path=str(ARTIFACTS / "agent-console.png"), full_page=True)
            # The typing dots go when the turn's ack arrives, after anything the turn sent.
            expect(chat.locator("#typing")).to_be_hidden(timeout=POLL)
            assert chat.locator("#messages .msg-bot").count() == bot_lines_before

        with step("resolve needs a note, then resolves; the ticket leaves the queue", desk):
            desk.click("#resolve-submit")
            expect(desk.locator("#resolve-error")).to_be_visible()
            expect(desk.locator("#resolve-input")).to_be_focused()
            desk.fill("#resolve-input", "已确认安全，母亲陪同；已再次提供 12356 热线")
            desk.click("#resolve-submit")
            expect(desk.locator("#ticket-state")).to_contain_text("已结单", timeout=POLL)
            expect(desk.locator("#ticket-state")).to_contain_text("母亲陪同")
            expect(desk.locator("#queue > li", has_text="demo-m6plus")).to_have_count(0, timeout=POLL)

        with step("the borrower is told the assistant is back, and it answers again", chat):
            expect(chat.locator("#messages .note", has_text="还款助手继续")).to_be_visible(timeout=POLL)
            bot_lines = chat.locator("#messages .msg-bot")
            before = bot_lines.count()
            chat.fill("#composer-input", "逾期对征信有什么影响")
            chat.press("#composer-input", "Enter")
            chat.wait_for_function(
                "n => document.querySelectorAll('#messages .msg-bot').length > n", arg=before, timeout=SLOW)
            answer = bot_lines.nth(before).text_content()
            assert "征信" in answer, f"the assistant did not answer the question after the handoff: {answer!r}"
            chat.screenshot(path=str(ARTIFACTS / "agent-console-borrower-after.png"))

        assert not errors, errors
    finally:
        borrower_ctx.close()
        agent_ctx.close()


def test_console_rules_on_a_ticket_held_by_someone_else(stack, browser):
    """403/409 in words, read-only view of another agent's ticket, the session kept in
    sessionStorage only, sign-out, a wrong password."""
    from bot.handoff import agents as agent_accounts
    from bot.handoff.sql_queue import SqlHandoffQueue
    from bot.storage.db import session_scope

    base, url = stack["rasa"], stack["env"]["DATABASE_URL"]
    with session_scope(url) as session:
        agent_accounts.create_agent(session, "console-wang", "客服小王", "correct-horse-battery-2")
        other = agent_accounts.get_agent_by_username(session, "console-wang").id
    queue = SqlHandoffQueue(url)
    summary = {"headline": "投诉催收 · 测试", "situations": [{"code": "dispute", "label": "对欠款有异议"}],
               "accounts": [], "distress": {"level": "none"}, "last_messages": [
                   {"who": "borrower", "text": "<img src=x onerror=alert(1)>催收员天天打电话", "at": None}]}
    held = queue.open_ticket("b:console-held", "console-held", "high", "complaint", summary)
    queue.claim(held.id, other)
    waiting = queue.open_ticket("b:console-waiting", "console-waiting", "normal", "human", {})
    errors = []
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    watch_console(page, errors)

    def strictest_policy(route):
        # The borrower pages' Trusted Types policy: the browser itself refuses any HTML built
        # from strings, so a console that passes here never does it.
        response = route.fetch()
        policy = response.headers["content-security-policy"]
        if "trusted-types" not in policy:
            policy += "; require-trusted-types-for 'script'; trusted-types 'none'"
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route(re.compile(r".*/agent/$"), strictest_policy)
    try:
        with step("a wrong password is refused in words", page):
            page.goto(base + "/agent/")
            page.fill("#login-username", DEMO_AGENT)
            page.fill("#login-password", "wrong-password")
            page.click("#login-submit")
            expect(page.locator("#login-error")).to_have_text("用户名或密码不正确。", timeout=POLL)
            expect(page.locator("#desk")).to_be_hidden()

        with step("another agent's ticket is read-only, its text stays text", page):
            sign_in(page, base)
            assert not errors, errors
            assert page.evaluate("""() => {
                try { document.createElement('div').innerHTML = 'x'; return 'allowed'; }
                catch (e) { return 'refused'; } }""") == "refused"  # the strict policy is on
            errors.clear()  # the browser logged that refusal
            row = page.locator("#queue > li", has_text="console-held")
            expect(row).to_contain_text("投诉", timeout=POLL)
            expect(row.locator(".row-status")).to_contain_text("客服小王")
            expect(row.locator(".row-claim")).to_be_hidden()
            row.locator(".row-open").focus()
            page.keyboard.press("Enter")  # keyboard opens it
            expect(page.locator("#ticket-state")).to_contain_text("只能查看", timeout=POLL)
            expect(page.locator("#reply-form")).to_be_hidden()
            expect(page.locator("#resolve-form")).to_be_hidden()
            expect(page.locator("#crisis-reminder")).to_be_hidden()
            expect(page.locator("#summary-body")).to_contain_text("<img src=x onerror=alert(1)>")
            assert page.locator("#summary-body img").count() == 0

        with step("claiming a ticket another agent took meanwhile says so", page):
            row = page.locator("#queue > li", has_text="console-waiting")
            row.locator(".row-open").click()
            expect(page.locator("#ticket-claim")).to_be_visible(timeout=POLL)
            queue.claim(waiting.id, other)  # a colleague is faster
            page.click("#ticket-claim")
            expect(page.locator("#ticket-error")).to_contain_text("已被其他同事接手", timeout=POLL)
            expect(page.locator("#ticket-state")).to_contain_text("只能查看", timeout=POLL)

        with step("outside agent hours the queue says so", page):
            expect(page.locator("#hours-notice")).to_be_hidden()

            def closed(route):
                answer = route.fetch().json()
                answer.update({"open": False, "next_opening": "2026-11-24T08:00:00+08:00"})
                route.fulfill(json=answer)

            page.route("**/agent/api/tickets", closed)
            expect(page.locator("#hours-notice")).to_contain_text("不在人工服务时间", timeout=POLL)
            expect(page.locator("#hours-notice")).to_contain_text("下次上班")
            page.unroute("**/agent/api/tickets")
            expect(page.locator("#hours-notice")).to_be_hidden(timeout=POLL)

        with step("sign-out forgets the token", page):
            page.click("#sign-out")
            expect(page.locator("#login-view")).to_be_visible()
            assert page.evaluate("sessionStorage.getItem('agent-console-token')") is None
            assert page.evaluate("localStorage.length") == 0

        assert not errors, errors
    finally:
        ctx.close()
        for ticket in (held, waiting):
            queue.resolve(ticket.id, other, "测试结束")


def test_console_files_build_no_html_from_strings():
    folder = ROOT / "bot" / "web" / "agent"
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)
    assert not re.search(r"\sstyle\s*=", html, re.I)
    source = (folder / "console.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "localStorage"):
        assert sink not in source, sink
