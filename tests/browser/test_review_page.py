"""The editors' review page (/review/) in a real browser against the real stack (BOT_DEMO=1:
the demo editor "demo-editor" exists).

A missed message with a phone number in it is recorded straight into the stack's database
(bot.review.store.record_missed masks it before storing) -> the agent's account cannot sign
in here -> the demo editor signs in, sees the figures and the message masked -> picks an
intent with the keyboard -> exports, and the downloaded YAML holds the masked example under
that intent. No CSP violation or script error on the page.
"""
import contextlib

import pytest
import yaml

from bot.review import store
from bot.storage.db import dispose_engine, session_scope
from tests.browser.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.conversation

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

MISSED_TEXT = "我的手机号是 138 1234 5678，你们能不能帮我把信用卡注销掉"
MASKED_TEXT = "我的手机号是 【手机号】，你们能不能帮我把信用卡注销掉"
INTENT = "out_of_scope"
POLL = 15_000


@contextlib.contextmanager
def step(name, page):
    try:
        yield
    except Exception as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / "review-page-failed.png"), full_page=True)
        raise AssertionError(f"step failed: {name}: {exc}") from exc


def sign_in(page, base, username, password):
    page.goto(base + "/review/")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def test_missed_message_to_exported_example(web_stack, browser, tmp_path):
    base = web_stack["rasa"]
    url = web_stack["env"]["DATABASE_URL"]
    with session_scope(url) as session:
        item_id = store.record_missed(session, "browser-review-1", MISSED_TEXT, "fallback",
                                      "check_debt", 0.31).id
    dispose_engine(url)

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = []
    page.on("console", lambda m: m.type == "error"
            and not m.text.startswith("Failed to load resource") and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        with step("the CSP header is the strict one", page):
            resp = page.goto(base + "/review/")
            csp = resp.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "require-trusted-types-for 'script'" in csp

        with step("an agent's account cannot sign in to the review page", page):
            sign_in(page, base, "demo-agent", "demo-agent-pass")
            expect(page.locator("#login-error")).to_have_text("用户名或密码不正确。",
                                                              timeout=POLL)
            expect(page.locator("#work")).to_be_hidden()

        with step("the demo editor signs in and sees the figures", page):
            sign_in(page, base, "demo-editor", "demo-editor-pass")
            expect(page.locator("#work")).to_be_visible(timeout=POLL)
            expect(page.locator("#editor-name")).to_contain_text("演示编辑")
            expect(page.locator("#fig-conv-total")).to_contain_text("个对话", timeout=POLL)
            expect(page.locator("#fig-fallback")).to_contain_text("%")
            expect(page.locator("#fig-labels")).to_be_visible()

        group = page.locator("#groups > li", has_text="信用卡注销")
        with step("the missed message is listed, masked, with the assistant's guess", page):
            expect(group).to_have_count(1, timeout=POLL)
            expect(group.locator("h3")).to_contain_text(MASKED_TEXT)
            expect(group.locator(".thought")).to_contain_text("check_debt")
            expect(group.locator(".thought")).to_contain_text("0.31")
            expect(group.locator(".thought")).to_contain_text("没听懂")
            assert "1234 5678" not in page.content()
            assert "138" not in group.inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "review-page-phone.png"), full_page=True)

        with step("the editor picks an intent with the keyboard", page):
            select = group.locator("select")
            select.focus()
            select.select_option(INTENT)
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.textContent")
            assert focused == "标注", focused
            page.keyboard.press("Enter")
            expect(page.locator("#work-info")).to_contain_text("已标注为 " + INTENT,
                                                               timeout=POLL)
            expect(group).to_have_count(0)
            expect(page.locator("#fig-labels")).to_contain_text(INTENT, timeout=POLL)
        with session_scope(url) as session:
            item = store.get_item(session, item_id)
            assert (item.status, item.label) == ("labelled", INTENT)
        dispose_engine(url)

        with step("the export downloads NLU YAML with the masked example", page):
            with page.expect_download() as info:
                page.click("#export")
            download = info.value
            assert download.suggested_filename.endswith(".yml")
            path = tmp_path / download.suggested_filename
            download.save_as(str(path))
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
            assert data["version"] == "3.1"
            examples = {block["intent"]: block["examples"] for block in data["nlu"]}
            assert f"- {MASKED_TEXT}" in examples[INTENT].splitlines()
            assert "1234" not in text and "5678" not in text
            expect(page.locator("#work-info")).to_contain_text("已导出")

        with step("no CSP violation or script error", page):
            assert errors == []
    finally:
        context.close()
