/*
 * Borrower web chat. Talks to the authenticated Socket.IO channel (docs/channels.md).
 * Every text that came from a person or the server is put in the page with textContent
 * (the page's CSP also forbids HTML from strings, via Trusted Types).
 */
(function () {
  "use strict";

  var TOKEN_KEY = "debt-help-chat-token";
  var TURN_TIMEOUT_MS = 60000;
  var WELCOME = "您好，我是还款助手。欠款、逾期费用、征信影响、分期或延期，我都可以帮您算清楚。您可以直接说说遇到了什么情况，也可以点下面的话题。";
  // Plain sentences, not intent payloads: the page does not need to know the model's intents.
  var WELCOME_REPLIES = ["查我的欠款", "逾期要多付多少", "对征信有什么影响", "我想申请分期", "转人工"];
  var AUTH_TEXT = {
    missing: "没有找到您的登录信息。请回到 App 或网银，重新打开对话。",
    malformed: "登录信息无法识别。请回到 App 或网银，重新打开对话。",
    bad_signature: "登录信息验证失败，为保护账户安全，已停止连接。请重新登录后再打开对话。",
    wrong_audience: "登录信息验证失败，为保护账户安全，已停止连接。请重新登录后再打开对话。",
    expired: "您的登录已过期，为保护账户安全，对话已暂停。请重新登录后再打开对话。",
    server_error: "服务暂时无法验证登录，请稍后再试。"
  };

  var el = {};
  var socket = null;
  var pending = 0;
  var turnTimer = null;
  var handoffState = null;
  var handoffHideTimer = null;

  function $(id) { return document.getElementById(id); }

  // ---- token -----------------------------------------------------------------------------
  function takeToken() {
    var match = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash || "");
    if (match) {
      var token = decodeURIComponent(match[1]);
      try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* private mode */ }
      // Out of the address bar, the history and bookmarks.
      history.replaceState(null, "", window.location.pathname + window.location.search);
      return token;
    }
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  function forgetToken() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ }
  }

  // ---- rendering -------------------------------------------------------------------------
  var lastShownTime = 0;
  var TIME_GAP_MS = 5 * 60 * 1000;

  // A centred time above a message when 5 minutes have passed since the last one shown
  // (a time under every bubble is noise on a phone).
  function maybeTimeSeparator(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime()) || d.getTime() - lastShownTime < TIME_GAP_MS) return;
    lastShownTime = d.getTime();
    var now = new Date();
    var sameDay = d.toDateString() === now.toDateString();
    var hhmm = String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
    var li = document.createElement("li");
    li.className = "time-sep";
    li.setAttribute("aria-hidden", "true");
    var time = document.createElement("time");
    time.dateTime = d.toISOString();
    time.textContent = sameDay ? hhmm : (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hhmm;
    li.appendChild(time);
    el.messages.appendChild(li);
  }

  // "客服小王" already says it is a person; a bare name gets the "人工客服" prefix.
  function agentLabel(name) {
    if (!name) return "人工客服";
    return name.indexOf("客服") !== -1 ? name : "人工客服 " + name;
  }

  function speakerName(msg) {
    if (msg.sender === "borrower") return "我";
    if (msg.sender === "agent") return agentLabel(msg.agent_name);
    return "还款助手";
  }

  function addMessage(msg, opts) {
    opts = opts || {};
    var sender = msg.sender === "borrower" || msg.sender === "agent" ? msg.sender : "bot";
    var li = document.createElement("li");
    li.className = "msg msg-" + sender + (opts.extraClass ? " " + opts.extraClass : "");

    var who = document.createElement("span");
    who.className = sender === "agent" ? "msg-who" : "msg-who visually-hidden";
    who.textContent = speakerName(msg) + (sender === "agent" ? "" : "：");
    li.appendChild(who);

    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = msg.text || "";
    li.appendChild(bubble);

    if (!opts.noTime) maybeTimeSeparator(msg.at);
    el.messages.appendChild(li);
    scrollToEnd();
    return li;
  }

  function addNote(text, kind) {
    var li = document.createElement("li");
    li.className = "note" + (kind ? " note-" + kind : "");
    li.textContent = text;
    el.messages.appendChild(li);
    scrollToEnd();
  }

  function scrollToEnd() {
    // Instant: several answers arrive within milliseconds and smooth scrolls cut each other off.
    el.conversation.scrollTop = el.conversation.scrollHeight;
  }

  function setQuickReplies(buttons) {
    while (el.quick.firstChild) el.quick.removeChild(el.quick.firstChild);
    if (!buttons || !buttons.length) {
      el.quick.hidden = true;
      return;
    }
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "quick";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        send(b.payload || b.title, b.title);
        el.input.focus();
      });
      el.quick.appendChild(button);
    });
    el.quick.hidden = false;
  }

  function setTyping(on) {
    el.typing.hidden = !on;
    if (on) scrollToEnd();
  }

  function setComposerEnabled(on) {
    el.input.disabled = !on;
    el.send.disabled = !on;
    el.quick.querySelectorAll("button").forEach(function (b) { b.disabled = !on; });
  }

  function showBanner(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  // ---- handoff ---------------------------------------------------------------------------
  function onHandoff(h) {
    if (!h || !h.state) return;
    clearTimeout(handoffHideTimer);
    var text;
    if (h.state === "waiting") {
      text = "正在为您转接人工客服";
      if (h.position) text += "，您目前排在第 " + h.position + " 位";
      if (h.expected_wait_minutes != null) text += "，预计等待约 " + h.expected_wait_minutes + " 分钟";
      text += "。您可以继续留言，客服接入后都能看到。";
      el.handoff.className = "banner banner-handoff";
      el.agentLine.textContent = "等待人工客服接入";
    } else if (h.state === "agent_joined") {
      var name = agentLabel(h.agent_name);
      text = name + " 已接入，正在为您服务。";
      el.handoff.className = "banner banner-handoff banner-live";
      el.agentLine.textContent = name + " 为您服务";
      setQuickReplies(null);  // the assistant's shortcuts mean nothing to a person
      if (handoffState !== "agent_joined") addNote(text, "handoff");
    } else if (h.state === "resolved") {
      text = "人工服务已结束，接下来由还款助手继续为您服务。";
      el.handoff.className = "banner banner-handoff";
      el.agentLine.textContent = "智能助手 · 可随时转人工";
      if (handoffState && handoffState !== "resolved") addNote(text, "handoff");
      handoffHideTimer = setTimeout(function () { showBanner(el.handoff, ""); }, 8000);
    } else {
      return;
    }
    handoffState = h.state;
    showBanner(el.handoff, text);
  }

  // ---- sending ---------------------------------------------------------------------------
  function endTurn() {
    pending = Math.max(0, pending - 1);
    if (!pending) {
      clearTimeout(turnTimer);
      setTyping(false);
    }
  }

  function send(payload, shownText) {
    var text = (payload || "").trim();
    if (!text || !socket) return;
    var ok = socket.emit("user_uttered", { message: text }, function (ack) {
      if (ack && ack.ok === false) {
        if (ack.error === "too_long") addNote("这条消息太长了，请分几次发送。", "error");
        // After "server_error" the assistant has already said what went wrong and what to do.
        else if (ack.error !== "auth_error" && ack.error !== "server_error") {
          addNote("消息没有处理成功，请稍后再试一次。", "error");
        }
      }
      endTurn();
    });
    if (!ok) {
      addNote("现在没有连接，消息未发送。连接恢复后请再试。", "error");
      return;
    }
    setQuickReplies(null);
    addMessage({ sender: "borrower", text: shownText || text });
    pending += 1;
    setTyping(true);
    clearTimeout(turnTimer);
    turnTimer = setTimeout(function () { pending = 0; setTyping(false); }, TURN_TIMEOUT_MS);
  }

  // ---- socket ----------------------------------------------------------------------------
  function renderHistory(data) {
    var messages = (data && data.messages) || [];
    while (el.messages.firstChild) el.messages.removeChild(el.messages.firstChild);
    lastShownTime = 0;
    addMessage({ sender: "bot", text: WELCOME }, { extraClass: "msg-welcome", noTime: true });
    messages.forEach(function (m) { addMessage(m); });
    var last = messages[messages.length - 1];
    if (!messages.length) {
      setQuickReplies(WELCOME_REPLIES.map(function (t) { return { title: t, payload: t }; }));
    } else if (last && last.buttons && last.buttons.length) {
      setQuickReplies(last.buttons);
    } else {
      setQuickReplies(null);
    }
    if (data && data.error) addNote("暂时无法载入之前的对话记录。", "error");
  }

  function authFailed(reason) {
    forgetToken();
    setComposerEnabled(false);
    setTyping(false);
    showBanner(el.connBanner, "");
    showBanner(el.auth, AUTH_TEXT[reason] || AUTH_TEXT.bad_signature);
    el.status.textContent = "未连接";
    document.body.classList.add("is-signed-out");
  }

  function start() {
    el.messages = $("messages");
    el.conversation = $("conversation");
    el.quick = $("quick-replies");
    el.typing = $("typing");
    el.input = $("composer-input");
    el.send = $("send-button");
    el.form = $("composer");
    el.status = $("conn-status");
    el.auth = $("auth-banner");
    el.connBanner = $("conn-banner");
    el.handoff = $("handoff-banner");
    el.agentLine = $("agent-line");
    el.input.setAttribute("aria-describedby", "composer-hint");

    el.form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = el.input.value;
      if (!text.trim()) return;
      send(text);
      el.input.value = "";
      autosize();
      el.input.focus();
    });
    el.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {  // not while choosing pinyin
        e.preventDefault();
        el.form.requestSubmit();
      }
    });
    el.input.addEventListener("input", autosize);

    var token = takeToken();
    if (!token) {
      authFailed("missing");
      return;
    }

    socket = window.MiniSocketIO.connect({ path: "/socket.io", auth: { token: token } });
    socket.on("connect", function () {
      el.status.textContent = "已连接";
      showBanner(el.connBanner, "");
      showBanner(el.auth, "");
      setComposerEnabled(true);
      el.input.focus();
    });
    socket.on("history", renderHistory);
    socket.on("bot_uttered", function (m) {
      if (!m) return;
      if (m.text) addMessage({ sender: m.sender === "agent" ? "agent" : "bot", text: m.text,
                                agent_name: m.agent_name });
      if (m.buttons && m.buttons.length) setQuickReplies(m.buttons);
    });
    socket.on("handoff", onHandoff);
    socket.on("auth_error", function (e) { authFailed(e && e.reason); });
    socket.on("connect_error", function (err) {
      var reason = err && err.data && err.data.reason;
      if (window.MiniSocketIO.AUTH_REASONS.indexOf(reason) !== -1 || reason === "server_error") {
        authFailed(reason);
      }
    });
    socket.on("disconnect", function () {
      pending = 0;
      setTyping(false);
      setComposerEnabled(false);
      el.status.textContent = "未连接";
    });
    socket.on("reconnecting", function (attempt, delay) {
      if (!el.auth.hidden) return;
      el.status.textContent = "重新连接中…";
      showBanner(el.connBanner, "网络连接中断，正在重新连接（第 " + attempt + " 次，约 " +
        Math.max(1, Math.round(delay / 1000)) + " 秒后）。您的对话记录不会丢失。");
    });
  }

  function autosize() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight, 140) + "px";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
