"""The borrower web chat in a real browser (chromium, phone-sized), against the real stack."""
import json
import re
import time
import uuid

import pytest
import requests
from playwright.sync_api import expect

from bot.identity import issue_token

pytestmark = pytest.mark.conversation

REFERENCE = re.compile(r"PA-\d{8}-[0-9A-Z]{6}")


def bot_bubbles(page):
    return page.locator("#messages li.msg-bot:not(.msg-welcome) .bubble")


def say(page, text):
    box = page.get_by_label("输入您想说的话")
    box.fill(text)
    box.press("Enter")


def wait_turn_done(page):
    expect(page.locator("#typing")).to_be_hidden(timeout=90_000)


def open_chat(page, base, token):
    page.goto(f"{base}/chat/#token={token}")
    expect(page.locator("#conn-status")).to_have_text("已连接")


def test_whole_conversation_as_demo_m1_by_clicking_and_typing(web_stack, phone, artifacts):
    page, base = phone, web_stack["rasa"]
    timings = {}

    # Demo sign-in: pick 张先生 (demo-m1), get a token, land in the chat.
    page.goto(f"{base}/demo/")
    page.get_by_label(re.compile("张先生")).check()
    page.get_by_role("button", name="以此身份开始对话").click()
    page.wait_for_url(re.compile(r"/chat/$"))  # the token left the address bar
    assert "token" not in page.url
    expect(page.locator("#conn-status")).to_have_text("已连接")
    expect(page.get_by_role("log")).to_be_visible()

    # Income loss, typed.
    started = time.monotonic()
    say(page, "我上个月被裁员了，现在没有收入，信用卡还不上了")
    expect(page.locator("#typing")).to_be_visible()
    expect(bot_bubbles(page).first).to_be_visible(timeout=90_000)
    timings["first_answer_seconds"] = round(time.monotonic() - started, 2)
    wait_turn_done(page)
    timings["first_turn_seconds"] = round(time.monotonic() - started, 2)
    expect(page.locator("#messages")).to_contain_text("尾号 1187")
    expect(page.locator("#messages")).to_contain_text("逾期 20 天")

    # The offer comes with quick replies: click one; the title shows, not the payload.
    yes = page.locator("#quick-replies").get_by_role("button", name="好，算一下")
    yes.click()
    expect(page.locator("#messages li.msg-borrower .bubble").last).to_have_text("好，算一下")
    expect(page.get_by_label("输入您想说的话")).to_be_focused()
    wait_turn_done(page)
    expect(bot_bubbles(page).last).to_contain_text("每个月")

    say(page, "每个月最多能还1500")
    wait_turn_done(page)
    expect(page.locator("#messages")).to_contain_text("推荐")
    expect(page.locator("#messages")).to_contain_text("年化")

    started = time.monotonic()
    say(page, "可以，就按这个提交吧")
    wait_turn_done(page)
    timings["confirm_turn_seconds"] = round(time.monotonic() - started, 2)
    last = bot_bubbles(page).filter(has_text=REFERENCE).last
    expect(last).to_be_visible()
    reference = REFERENCE.search(last.inner_text()).group(0)

    page.screenshot(path=str(artifacts / "chat-phone.png"))
    (artifacts / "chat-timings.json").write_text(json.dumps(timings, indent=2))
    print(f"\nbrowser timings: {timings}")
    assert page.console_log.csp_violations() == []

    # Reload: same tab, token from sessionStorage, the whole conversation comes back.
    page.reload()
    expect(page.locator("#conn-status")).to_have_text("已连接")
    log = page.locator("#messages")
    expect(log).to_contain_text(reference)
    expect(log).to_contain_text("我上个月被裁员了，现在没有收入，信用卡还不上了")
    expect(page.locator("#messages li.msg-borrower .bubble")).to_have_text([
        "我上个月被裁员了，现在没有收入，信用卡还不上了", "好，算一下", "每个月最多能还1500",
        "可以，就按这个提交吧"])
    assert page.console_log.csp_violations() == []


@pytest.mark.parametrize("token, shown", [
    ("forged-token", "登录信息无法识别"),
    (issue_token("demo-m1", audience="agent"), "验证失败"),
    (issue_token("demo-m1", ttl_seconds=60, now=time.time() - 3600), "登录已过期"),
])
def test_a_bad_token_is_refused_with_a_visible_message(web_stack, phone, token, shown):
    page = phone
    page.goto(f"{web_stack['rasa']}/chat/#token={token}")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(shown)
    expect(page.get_by_label("输入您想说的话")).to_be_disabled()
    expect(page.locator("#messages li")).to_have_count(0)  # no history, nobody's data
    assert page.evaluate("sessionStorage.length") == 0  # the bad token is forgotten


def test_no_token_at_all_says_how_to_sign_in(web_stack, phone):
    phone.goto(f"{web_stack['rasa']}/chat/")
    expect(phone.get_by_role("alert")).to_contain_text("没有找到您的登录信息")


def test_a_typed_script_shows_as_text_and_never_runs(web_stack, phone):
    page = phone
    hostile = ('<script>window.__pwned = 1</script>'
               '<img src=x onerror="window.__pwned = 2"> 我这个月还不上了')
    open_chat(page, web_stack["rasa"], issue_token(f"web-test-{uuid.uuid4().hex[:8]}"))
    say(page, hostile)
    wait_turn_done(page)
    mine = page.locator("#messages li.msg-borrower .bubble")
    expect(mine.last).to_have_text(hostile)
    page.reload()
    expect(page.locator("#conn-status")).to_have_text("已连接")
    expect(page.locator("#messages li.msg-borrower .bubble")).to_have_text([hostile])
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#messages script, #messages img").count() == 0
    assert page.console_log.csp_violations() == []


def test_keyboard_and_screen_reader_basics(web_stack, phone):
    page = phone
    open_chat(page, web_stack["rasa"], issue_token(f"web-test-{uuid.uuid4().hex[:8]}"))
    log = page.get_by_role("log")
    assert log.get_attribute("aria-live") == "polite"
    expect(page.get_by_label("输入您想说的话")).to_be_focused()
    # The welcome offers quick replies as real buttons; Tab reaches them.
    replies = page.locator("#quick-replies").get_by_role("button")
    expect(replies.first).to_be_visible()
    assert replies.count() >= 3
    # Each message says who speaks, for screen readers.
    assert "还款助手" in page.locator("#messages li.msg-welcome .msg-who").text_content()
    # Sending with the keyboard only.
    say(page, "你好")
    wait_turn_done(page)
    expect(page.locator("#messages li.msg-borrower .msg-who").last).to_have_text("我：")
    expect(bot_bubbles(page).first).to_be_visible()


def test_reconnects_with_backoff_and_keeps_the_conversation(web_stack, phone):
    """The link drops (Playwright closes the page's WebSocket) and the first two attempts
    fail: the banner counts the attempts, then the chat is back with its history."""
    page = phone
    live, refuse = [], {"left": 0}

    def route(ws):
        if refuse["left"] > 0:
            refuse["left"] -= 1
            ws.close()
            return
        ws.connect_to_server()
        live.append(ws)

    page.route_web_socket(re.compile(r"/socket\.io/"), route)
    open_chat(page, web_stack["rasa"], issue_token(f"web-test-{uuid.uuid4().hex[:8]}"))
    say(page, "你好")
    wait_turn_done(page)
    refuse["left"] = 2
    live[-1].close()
    banner = page.locator("#conn-banner")
    expect(banner).to_contain_text("正在重新连接")
    expect(page.get_by_label("输入您想说的话")).to_be_disabled()
    expect(banner).to_contain_text("第 3 次", timeout=15_000)
    expect(page.locator("#conn-status")).to_have_text("已连接", timeout=30_000)
    expect(banner).to_be_hidden()
    expect(page.locator("#messages li.msg-borrower .bubble")).to_have_text(["你好"])
    assert len(live) == 2


def test_handoff_banner_and_agent_bubbles(web_stack, phone, artifacts):
    """Waiting place, agent joined, the agent's bubble with their name, back to the bot."""
    from bot.handoff.agents import create_agent
    from bot.handoff.sql_queue import SqlHandoffQueue
    from bot.storage.db import session_scope

    page = phone
    borrower_id = f"web-test-{uuid.uuid4().hex[:8]}"
    url = web_stack["env"]["DATABASE_URL"]
    ticket = SqlHandoffQueue(url).open_ticket("b:" + borrower_id, borrower_id, "normal", "human", {})
    with session_scope(url) as session:
        create_agent(session, "browser-chat-wang", "客服小王", "correct-horse-battery-2")
    api = web_stack["rasa"] + "/agent/api"
    login = requests.post(f"{api}/login", json={"username": "browser-chat-wang",
                                                "password": "correct-horse-battery-2"}, timeout=30)
    headers = {"Authorization": "Bearer " + login.json()["token"]}

    open_chat(page, web_stack["rasa"], issue_token(borrower_id))
    banner = page.locator("#handoff-banner")
    expect(banner).to_contain_text(re.compile(r"排在第 \d+ 位，预计等待约 \d+ 分钟"))
    assert requests.post(f"{api}/tickets/{ticket.id}/claim", headers=headers,
                         timeout=30).status_code == 200
    expect(banner).to_contain_text("客服小王 已接入")
    expect(page.locator("#quick-replies")).to_be_hidden()
    assert requests.post(f"{api}/tickets/{ticket.id}/messages", headers=headers, timeout=30,
                         json={"text": "您好，我是客服小王。"}).status_code == 201
    agent_line = page.locator("#messages li.msg-agent").last
    expect(agent_line.locator(".bubble")).to_have_text("您好，我是客服小王。")
    expect(agent_line.locator(".msg-who")).to_have_text("客服小王")
    page.screenshot(path=str(artifacts / "chat-phone-agent.png"))
    assert requests.post(f"{api}/tickets/{ticket.id}/resolve", headers=headers, timeout=60,
                         json={"outcome": "已说明"}).status_code == 200
    expect(banner).to_contain_text("接下来由还款助手继续为您服务")



def test_possible_crisis_shows_help_lines_and_a_kind_question(web_stack, phone, artifacts):
    page, base = phone, web_stack["rasa"]
    open_chat(page, base, issue_token("demo-m3"))
    started = time.monotonic()
    say(page, "以后不会再麻烦你们了，谢谢这些年，明天你们就找不到我了")
    expect(page.locator("#messages")).to_contain_text("12356", timeout=90_000)
    seconds_to_lines = round(time.monotonic() - started, 2)
    wait_turn_done(page)
    expect(page.locator("#messages")).to_contain_text("400-161-9995")
    expect(page.locator("#messages")).to_contain_text("伤害自己")
    expect(page.locator("#messages")).not_to_contain_text("祝您一切顺利")
    # The question comes with two answers to tap; "yes" makes it a crisis.
    page.locator("#quick-replies").get_by_role("button", name="是的，我有这样的想法").click()
    wait_turn_done(page)
    expect(bot_bubbles(page).last).to_contain_text("人工")
    page.screenshot(path=str(artifacts / "chat-possible-crisis.png"), full_page=True)
    (artifacts / "possible-crisis-timing.json").write_text(
        json.dumps({"seconds_to_help_lines": seconds_to_lines}), encoding="utf-8")
