/*
 * Agent console (人工坐席工作台) for the agent JSON API at /agent/api
 * (docs/agent-api.openapi.yaml). Plain DOM: every text from the server or a person goes in
 * with textContent, never as markup, so nothing a borrower typed can run here.
 */
(function () {
  "use strict";

  var API = "/agent/api";
  var TOKEN_KEY = "agent-console-token";
  var AGENT_KEY = "agent-console-agent";
  var QUEUE_POLL_MS = 3000;
  var TICKET_POLL_MS = 2000;

  var PRIORITY = { urgent: "紧急", high: "优先", normal: "普通" };
  var CATEGORY = {
    crisis: "危机", distress: "情绪困扰", human: "转人工", dispute: "争议",
    complaint: "投诉", fee_waiver: "减免", fallback: "无法理解"
  };
  var STATUS = { waiting: "等待接单", claimed: "处理中", resolved: "已结单" };
  var SENDER = { borrower: "借款人", bot: "智能助手", agent: "坐席", system: "系统" };
  // Our own words per API error code; the server's message is the fallback.
  var ERRORS = {
    bad_credentials: "用户名或密码不正确。",
    unauthorized: "请先登录。",
    token_expired: "登录已过期，请重新登录。",
    not_your_ticket: "这张工单不在您名下：只有接单的同事可以回复或结单。",
    already_claimed: "已被其他同事接手，请选择其他工单。",
    already_resolved: "这张工单已经结单，不能再操作。",
    not_found: "找不到这张工单，可能已被处理。",
    internal: "服务器出错了，请稍后再试。",
    network: "网络连接失败，请检查网络后重试。"
  };
  var PLAN_FIELDS = [
    ["months", "期数", function (v) { return v + " 期"; }],
    ["days", "延期天数", function (v) { return v + " 天"; }],
    ["monthly_payment", "每期还款", money],
    ["total_fee", "手续费合计", money],
    ["total_repay", "还款总额", money],
    ["apr", "年化利率", percent],
    ["fee", "费用", money],
    ["interest", "期间利息", money],
    ["new_due_date", "新的还款日", String]
  ];

  var el = {};
  var state = {
    tickets: {},          // id -> {data, fetchedAt}
    rows: {},             // id -> row elements
    order: [],
    seen: null,           // ids already announced
    queueTimer: null,
    tickTimer: null,
    openId: null,
    openGen: 0,
    ticketTimer: null,
    ticket: null,
    summaryKey: null,
    lineKeys: []
  };

  // DOM helpers, the API client, the session and the sign-in form: bot/web/common/staff.js.
  var S = window.StaffPage;
  var $ = S.$, make = S.make, clear = S.clear, show = S.show, ApiError = S.ApiError;
  var staff = S.page({
    api: API, tokenKey: TOKEN_KEY, userKey: AGENT_KEY, user: "agent",
    errorText: errorText, work: "desk", enter: enterDesk, leave: leaveDesk,
    signedOutText: "您已退出登录。",
    verify: "/me",
    busyText: "登录中…", clearErrorOnSubmit: true, selectPasswordOnError: true
  });
  var session = staff.session;  // session.token, session.user (the signed-in agent)
  var api = staff.api;

  // ---- formatting ------------------------------------------------------------------------
  function pad(n) { return String(n).padStart(2, "0"); }

  function mmss(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  function clock(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    var today = new Date();
    var time = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    if (d.toDateString() === today.toDateString()) return time;
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + time;
  }

  function money(value) {
    if (value == null || value === "") return "—";
    var n = Number(value);
    if (!isFinite(n)) return String(value);
    var parts = n.toFixed(2).split(".");
    return "¥" + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + parts[1];
  }

  function percent(value) {
    var n = Number(value);
    if (value == null || !isFinite(n)) return String(value);
    return (n * 100).toFixed(2) + "%";
  }

  function borrowerLabel(t) {
    return t.borrower_id ? "借款人 " + t.borrower_id : "未登录用户";
  }

  function statusLabel(t) {
    if (t.status === "claimed") {
      if (session.user && t.agent_id === session.user.id) return "处理中（我）";
      return "处理中（" + (t.agent_name || t.agent_id || "其他同事") + "）";
    }
    return STATUS[t.status] || t.status;
  }

  // Distress signals come as data from the case summary ({code, args, turn}); say them in
  // words. Turns are 0-based in the detector; agents count from 1.
  var SIGNAL_LABELS = {
    crisis_phrase: function (a) { return "危机用语：" + readable(a[0]); },
    distress_phrase: function (a) { return "压力用语：" + readable(a[0]); },
    rage_word: function (a) { return "激烈用语：" + readable(a[0]); },
    guarded: function (a) { return "已排除：" + readable(a[0]) + "（" + readable(a[1]) + "）"; },
    crisis_in_turns: function (a) { return "出现危机信号的句子：" + turnList(a[0]); },
    possible_crisis_in_turns: function (a) { return "出现可能危机信号的句子：" + turnList(a[0]); },
    distress_in_turns: function (a) { return "出现压力信号的句子：" + turnList(a[0]); },
    repeated_distress: function (a) { return "多次表达压力：" + a[0] + " 次"; },
    fallback_streak: function (a) { return "连续未能理解：" + a[0] + " 次"; },
    repeated_fallback: function (a) { return "多次未能理解：" + a[0] + " 次"; },
    repeated_rage: function (a) { return "多次激烈用语：" + a[0] + " 次"; },
    asked_for_human: function () { return "要求转人工"; },
    human_request_phrase: function () { return "要求转人工"; },
    request_human_intent: function (a) { return "识别为转人工请求（置信度 " + a[0] + "）"; },
    crisis_intent: function (a) { return "识别为危机（置信度 " + a[0] + "）"; },
    crisis_intent_with_distress_words: function (a) { return "识别为危机（置信度 " + a[0] + "）"; },
    crisis_intent_medium: function (a) { return "识别为危机（置信度 " + a[0] + "）"; },
    crisis_intent_explained_by_guard: function (a) { return "危机判断已被排除词解释（置信度 " + a[0] + "）"; },
    distress_intent: function (a) { return "识别为情绪困扰（置信度 " + a[0] + "）"; },
    classifier: function (a) {
      var levels = { none: "无", distress: "情绪困扰", possible_crisis: "可能危机", crisis: "危机" };
      return "等级模型：" + (levels[a[0]] || a[0]) + " " + a[1];
    }
  };

  function turnList(list) {
    return String(list).split(",").map(function (n) { return Number(n) + 1; }).join("、");
  }

  function signalLabel(signal) {
    var prefix = signal.turn === null || signal.turn === undefined
      ? "" : "第 " + (Number(signal.turn) + 1) + " 句 · ";
    var label = SIGNAL_LABELS[signal.code];
    return prefix + (label ? label(signal.args || []) : readable(String(signal.code)));
  }

  // Lexicon entries may be patterns ("不想.{0,3}活"): show the gap as "…", not the regex.
  function readable(text) {
    return text.replace(/\.(?:\{\d*,?\d*\}|[*+?])/g, "…").replace(/[\\^$]/g, "");
  }

  // ---- API -------------------------------------------------------------------------------
  function errorText(err) {
    if (!(err instanceof ApiError)) return ERRORS.network;
    if (err.code === "bad_request" && err.message) return err.message;
    return ERRORS[err.code] || err.message || ERRORS.internal;
  }

  // ---- signed in / out -------------------------------------------------------------------
  function enterDesk(agent) {
    el.agentName.textContent = "坐席：" + (agent.display_name || agent.id);
    show(el.deskError, "");
    show(el.deskInfo, "");
    el.queueTitle.focus();
    pollQueue();
    clearInterval(state.tickTimer);
    state.tickTimer = setInterval(tick, 1000);
  }

  function leaveDesk() {
    clearTimeout(state.queueTimer);
    clearInterval(state.tickTimer);
    closeTicket(true);
    state.tickets = {};
    state.rows = {};
    state.order = [];
    state.seen = null;
    clear(el.queue);
    document.title = "人工坐席工作台 · 还款助手";
  }

  // ---- queue -----------------------------------------------------------------------------
  function pollQueue() {
    clearTimeout(state.queueTimer);
    if (!session.token) return;
    api("GET", "/tickets").then(function (data) {
      renderQueue(data);
      el.queueUpdated.textContent = "每 3 秒自动刷新 · 最近更新 " + clock(new Date().toISOString());
      if (el.deskError.dataset.source === "queue") show(el.deskError, "");
    }, function (err) {
      if (err instanceof ApiError && err.status === 401) return;
      el.deskError.dataset.source = "queue";
      show(el.deskError, "工单列表刷新失败：" + errorText(err));
    }).then(function () {
      if (session.token) state.queueTimer = setTimeout(pollQueue, QUEUE_POLL_MS);
    });
  }

  function renderQueue(data) {
    var tickets = (data && data.tickets) || [];
    renderHours(data);
    var now = Date.now();
    var fresh = {};
    var newWaiting = [];
    tickets.forEach(function (t) {
      fresh[t.id] = { data: t, fetchedAt: now };
      if (state.seen && !state.seen[t.id] && t.status === "waiting") newWaiting.push(t);
    });
    var firstLoad = !state.seen;
    state.seen = state.seen || {};
    tickets.forEach(function (t) { state.seen[t.id] = true; });
    state.tickets = fresh;

    // Rows are updated in place (keyboard focus stays put), moved only when the order changes.
    Object.keys(state.rows).forEach(function (id) {
      if (!fresh[id]) {
        state.rows[id].li.remove();
        delete state.rows[id];
      }
    });
    var order = tickets.map(function (t) { return String(t.id); });
    tickets.forEach(function (t) {
      var row = state.rows[t.id] || (state.rows[t.id] = buildRow(t.id));
      fillRow(row, t);
    });
    if (order.join(",") !== state.order.join(",") || el.queue.children.length !== order.length) {
      order.forEach(function (id) { el.queue.appendChild(state.rows[id].li); });
    }
    state.order = order;
    tick();

    var waiting = tickets.filter(function (t) { return t.status === "waiting"; }).length;
    el.queueCount.textContent = tickets.length ? "共 " + tickets.length + " 张，等待接单 " + waiting + " 张" : "";
    el.queueEmpty.hidden = tickets.length > 0;
    document.title = (waiting ? "(" + waiting + ") " : "") + "人工坐席工作台 · 还款助手";

    if (!firstLoad && newWaiting.length) {
      el.announcer.textContent = "新工单：" + newWaiting.map(function (t) {
        return (PRIORITY[t.priority] || "") + " " + (CATEGORY[t.category] || t.category) + " #" + t.id;
      }).join("；");
    }
    if (state.openId != null && fresh[state.openId]) markSelected();
  }

  function renderHours(data) {
    if (!data || data.open !== false) {
      show(el.hoursNotice, "");
      return;
    }
    var text = "现在不在人工服务时间，借款人会被告知稍后有人回复。";
    if (data.next_opening) {
      var d = new Date(data.next_opening);
      if (!isNaN(d.getTime())) {
        text += "下次上班：" + (d.getMonth() + 1) + "月" + d.getDate() + "日 " +
          pad(d.getHours()) + ":" + pad(d.getMinutes()) + "。";
      }
    }
    text += "紧急（危机）工单请仍然优先处理。";
    show(el.hoursNotice, text);
  }

  function buildRow(id) {
    var li = make("li", "ticket-row");
    li.dataset.ticketId = id;
    var open = make("button", "row-open");
    open.type = "button";
    var top = make("span", "row-top");
    var badge = make("span", "badge");
    var category = make("span", "row-category");
    var status = make("span", "row-status");
    top.appendChild(badge);
    top.appendChild(category);
    top.appendChild(status);
    var who = make("span", "row-who");
    var headline = make("span", "row-headline");
    var wait = make("span", "row-wait");
    open.appendChild(top);
    open.appendChild(who);
    open.appendChild(headline);
    open.appendChild(wait);
    open.addEventListener("click", function () { openTicket(id, true); });
    var claim = make("button", "btn btn-claim row-claim", "接单");
    claim.type = "button";
    claim.addEventListener("click", function () { claimTicket(id); });
    li.appendChild(open);
    li.appendChild(claim);
    return { li: li, open: open, badge: badge, category: category, status: status, who: who,
             headline: headline, wait: wait, claim: claim };
  }

  function fillRow(row, t) {
    var urgent = t.priority === "urgent";
    row.li.className = "ticket-row priority-" + t.priority + " status-" + t.status +
      (state.openId === String(t.id) ? " is-selected" : "");
    row.badge.className = "badge badge-" + t.priority;
    row.badge.textContent = (urgent ? "⚠ " : "") + (PRIORITY[t.priority] || t.priority);
    row.category.textContent = CATEGORY[t.category] || t.category;
    row.status.textContent = statusLabel(t);
    row.who.textContent = "#" + t.id + " · " + borrowerLabel(t);
    row.headline.textContent = t.summary_headline || "";
    row.claim.hidden = t.status !== "waiting";
    row.claim.setAttribute("aria-label", "接单 #" + t.id + "（" + (CATEGORY[t.category] || t.category) + "）");
    row.open.setAttribute("aria-label", (PRIORITY[t.priority] || "") + "工单 #" + t.id + "，" +
      (CATEGORY[t.category] || t.category) + "，" + statusLabel(t) + "，" + borrowerLabel(t) +
      (t.summary_headline ? "，" + t.summary_headline : "") + "。打开查看");
  }

  function waitedSeconds(entry) {
    var t = entry.data;
    var extra = t.status === "waiting" ? (Date.now() - entry.fetchedAt) / 1000 : 0;
    return (t.waiting_seconds || 0) + extra;
  }

  function tick() {
    Object.keys(state.rows).forEach(function (id) {
      var entry = state.tickets[id];
      if (!entry) return;
      var label = entry.data.status === "waiting" ? "已等待 " : "接单前等待 ";
      state.rows[id].wait.textContent = label + mmss(waitedSeconds(entry));
    });
    if (state.ticket && state.ticket.status === "waiting" && state.tickets[state.ticket.id]) {
      renderMeta(state.ticket);
    }
  }

  function markSelected() {
    Object.keys(state.rows).forEach(function (id) {
      var selected = id === state.openId;
      state.rows[id].li.classList.toggle("is-selected", selected);
      if (selected) state.rows[id].open.setAttribute("aria-current", "true");
      else state.rows[id].open.removeAttribute("aria-current");
    });
  }

  function claimTicket(id) {
    id = String(id);
    show(el.deskError, "");
    return api("POST", "/tickets/" + encodeURIComponent(id) + "/claim").then(function () {
      show(el.deskInfo, "已接单 #" + id + "，借款人会看到您已接入。");
      pollQueue();
      return openTicket(id, true);
    }, function (err) {
      if (err instanceof ApiError && err.status === 401) return;
      var text = "接单 #" + id + " 失败：" + errorText(err);
      if (state.openId === id) show(el.ticketError, text);
      else {
        el.deskError.dataset.source = "claim";
        show(el.deskError, text);
      }
      pollQueue();
      if (state.openId === id) refreshTicket();
    });
  }

  // ---- one ticket ------------------------------------------------------------------------
  function openTicket(id, focus) {
    id = String(id);
    if (state.openId !== id) {
      closeTicket(true);
      state.openId = id;
      state.openGen += 1;
      state.summaryKey = null;
      state.lineKeys = [];
      state.ticket = null;
      clear(el.transcript);
      clear(el.summaryBody);
      el.crisis.hidden = true;
      el.ticketTitle.textContent = "工单 #" + id;
      el.ticketMeta.textContent = "载入中…";
      el.ticketHeadline.textContent = "";
      el.replyForm.hidden = true;
      el.resolveForm.hidden = true;
      el.claimBtn.hidden = true;
      show(el.ticketError, "");
      show(el.resolveError, "");
      el.ticketState.textContent = "";
      el.placeholder.hidden = true;
      el.ticketView.hidden = false;
    }
    markSelected();
    if (focus) el.ticketTitle.focus();
    return refreshTicket();
  }

  function closeTicket(silent) {
    clearTimeout(state.ticketTimer);
    state.openGen += 1;
    state.openId = null;
    state.ticket = null;
    el.ticketView.hidden = true;
    el.placeholder.hidden = false;
    el.replyInput.value = "";
    el.resolveInput.value = "";
    markSelected();
    if (!silent) show(el.deskInfo, "");
  }

  function refreshTicket() {
    clearTimeout(state.ticketTimer);
    var id = state.openId;
    var gen = state.openGen;
    if (id == null || !session.token) return Promise.resolve();
    return api("GET", "/tickets/" + encodeURIComponent(id)).then(function (data) {
      if (gen !== state.openGen) return;
      renderTicket(data);
      if (el.ticketError.dataset.source === "poll") show(el.ticketError, "");
    }, function (err) {
      if (gen !== state.openGen) return;
      if (err instanceof ApiError && err.status === 401) return;
      el.ticketError.dataset.source = "poll";
      show(el.ticketError, "工单刷新失败：" + errorText(err));
    }).then(function () {
      // Poll while the ticket is open and not finished.
      if (gen === state.openGen && session.token &&
          !(state.ticket && state.ticket.status === "resolved")) {
        state.ticketTimer = setTimeout(refreshTicket, TICKET_POLL_MS);
      }
    });
  }

  function mine(t) {
    return !!(t && session.user && t.status === "claimed" && t.agent_id === session.user.id);
  }

  function renderMeta(t) {
    var parts = [(PRIORITY[t.priority] || t.priority) + "优先级", CATEGORY[t.category] || t.category,
                 statusLabel(t), borrowerLabel(t)];
    var entry = state.tickets[t.id];
    var waited = entry ? waitedSeconds(entry) : t.waiting_seconds;
    if (waited != null) parts.push((t.status === "waiting" ? "已等待 " : "接单前等待 ") + mmss(waited));
    if (t.created_at) parts.push("创建于 " + clock(t.created_at));
    el.ticketMeta.textContent = parts.join(" · ");
  }

  function renderTicket(data) {
    var t = data.ticket;
    var before = state.ticket;
    state.ticket = t;
    el.ticketView.className = "ticket priority-" + t.priority + " status-" + t.status;
    el.ticketTitle.textContent = "工单 #" + t.id + " · " + (CATEGORY[t.category] || t.category) +
      (t.priority === "urgent" ? "（紧急）" : "");
    renderMeta(t);
    el.ticketHeadline.textContent = t.summary_headline || "";
    el.crisis.hidden = t.category !== "crisis";

    var key = JSON.stringify(data.summary || {});
    if (key !== state.summaryKey) {
      state.summaryKey = key;
      renderSummary(data.summary || {});
    }
    renderTranscript(data.transcript || []);

    var isMine = mine(t);
    el.claimBtn.hidden = t.status !== "waiting";
    el.replyForm.hidden = !isMine;
    el.resolveForm.hidden = !isMine;
    var stateText;
    if (t.status === "waiting") stateText = "这张工单还没有人接。接单后才能回复借款人。";
    else if (t.status === "claimed" && !isMine) stateText = "这张工单由其他同事（" +
      (t.agent_name || t.agent_id) + "）处理，您只能查看。";
    else if (t.status === "resolved") stateText = "已结单" + (t.resolved_at ? "（" + clock(t.resolved_at) + "）" : "") +
      "，对话已交回智能助手。处理结果：" + (t.outcome || "—");
    else stateText = "您正在处理这张工单。";
    el.ticketState.textContent = stateText;

    // Just became mine (claimed here or in another tab): put the cursor in the reply box.
    if (isMine && !mine(before) && before && before.id === t.id) el.replyInput.focus();
  }

  function section(title) {
    var box = make("section", "summary-block");
    box.appendChild(make("h4", null, title));
    el.summaryBody.appendChild(box);
    return box;
  }

  function definitionList(pairs) {
    var dl = make("dl", "facts");
    pairs.forEach(function (p) {
      if (p[1] == null || p[1] === "") return;
      dl.appendChild(make("dt", null, p[0]));
      dl.appendChild(make("dd", null, p[1]));
    });
    return dl;
  }

  function renderSummary(s) {
    clear(el.summaryBody);
    if (!s || !Object.keys(s).length) {
      el.summaryBody.appendChild(make("p", "muted", "这张工单没有附带摘要（借款人未登录，或转接时未能生成）。请阅读下方完整对话。"));
      return;
    }

    var distress = s.distress || {};
    if (distress.level && distress.level !== "none") {
      var box = section("情绪信号");
      box.classList.add(distress.level === "crisis" ? "block-crisis" : "block-distress");
      box.appendChild(definitionList([
        ["级别", distress.label || (distress.level === "crisis" ? "危机信号" : "情绪困扰")],
        ["要求转人工", distress.wants_human ? "是" : null],
        ["评分", distress.score]
      ]));
      if (distress.reasons && distress.reasons.length) {
        var reasons = make("ul", "reasons");
        (distress.signals || []).forEach(function (r) { reasons.appendChild(make("li", null, signalLabel(r))); });
        box.appendChild(reasons);
      }
    }

    var situations = s.situations || [];
    var sit = section("借款人处境");
    sit.appendChild(make("p", null, situations.length
      ? situations.map(function (x) { return x.label || x.code; }).join("、")
      : "对话中未提到具体原因。"));

    var accounts = s.accounts || [];
    var acc = section("账户与欠款" + (s.generated_on ? "（截至 " + s.generated_on + "）" : ""));
    if (!accounts.length) {
      acc.appendChild(make("p", "muted", "没有账户信息（借款人未登录或名下没有账户）。"));
    } else {
      var wrap = make("div", "table-wrap");
      var table = make("table", "accounts");
      var caption = make("caption", "visually-hidden", "账户与欠款");
      table.appendChild(caption);
      var head = make("tr");
      ["机构", "账户", "余额", "未还最低", "到期日", "逾期", "阶段", "已产生费用", "征信"].forEach(function (h) {
        var th = make("th", null, h);
        th.scope = "col";
        head.appendChild(th);
      });
      var thead = make("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = make("tbody");
      accounts.forEach(function (a) {
        var tr = make("tr", a.days_overdue > 0 ? "overdue" : "");
        var lender = make("th", null, a.lender || "");
        lender.scope = "row";
        tr.appendChild(lender);
        tr.appendChild(make("td", null, (a.product_label ? a.product_label + " " : "") + (a.label || "") +
          (a.on_personalised_plan ? "（个性化分期中）" : "")));
        tr.appendChild(make("td", "num", money(a.balance)));
        tr.appendChild(make("td", "num", money(a.unpaid_minimum)));
        tr.appendChild(make("td", null, a.due_date || "—"));
        tr.appendChild(make("td", "num", a.days_overdue ? a.days_overdue + " 天" : "未逾期"));
        tr.appendChild(make("td", "stage stage-" + String(a.stage_code || "").replace(/[^A-Za-z0-9]/g, ""), a.stage || ""));
        tr.appendChild(make("td", "num", money(a.charges_so_far)));
        tr.appendChild(make("td", null, a.reported_to_credit ? "已上报" : "未上报"));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      wrap.appendChild(table);
      acc.appendChild(wrap);
    }

    var plans = section("方案");
    var plan = s.offered_plan;
    if (plan && plan.kind) {
      var pairs = [["已提出、待借款人确认", (plan.kind_label || plan.kind) + (plan.lender ? "（" + plan.lender + "）" : "")]];
      PLAN_FIELDS.forEach(function (f) {
        if (plan[f[0]] != null && plan[f[0]] !== "") pairs.push([f[1], f[2](plan[f[0]])]);
      });
      plans.appendChild(definitionList(pairs));
    } else {
      plans.appendChild(make("p", "muted", "没有待确认的方案。"));
    }
    var apps = s.applications || [];
    if (apps.length) {
      var list = make("ul", "applications");
      apps.forEach(function (a) {
        var term = a.months ? a.months + " 期" : (a.days ? a.days + " 天" : "");
        var parts = ["已提交" + (a.kind_label || a.kind || "申请"), term,
                     a.monthly_payment ? "每期 " + money(a.monthly_payment) : "",
                     a.status ? "状态：" + (a.status === "submitted" ? "已提交，待审核" : a.status) : "",
                     a.reference ? "编号 " + a.reference : ""];
        list.appendChild(make("li", null, parts.filter(Boolean).join(" · ")));
      });
      plans.appendChild(list);
    } else {
      plans.appendChild(make("p", "muted", "没有已提交的申请。"));
    }

    var last = s.last_messages || [];
    var lm = section("转接前最后的对话");
    if (!last.length) lm.appendChild(make("p", "muted", "没有记录。"));
    else {
      var ol = make("ol", "last-messages");
      last.forEach(function (m) {
        var li = make("li", "line line-" + (m.who === "borrower" ? "borrower" : "bot"));
        li.appendChild(make("span", "line-who", (m.who === "borrower" ? "借款人" : "智能助手") +
          (m.at ? " " + clock(m.at) : "")));
        li.appendChild(make("span", "line-text", m.text || ""));
        ol.appendChild(li);
      });
      lm.appendChild(ol);
    }
  }

  function lineKey(m) {
    return [m.sender, m.at || "", m.text || ""].join("\u0001");
  }

  function lineNode(m) {
    var sender = SENDER[m.sender] ? m.sender : "system";
    var li = make("li", "line line-" + sender);
    var who = SENDER[sender];
    if (sender === "agent") {
      who = session.user && m.agent_id === session.user.id ? "坐席（我）" : "坐席 " + (m.agent_id || "");
    }
    var head = make("span", "line-who", who);
    if (m.at) {
      var time = make("time", "line-time", clock(m.at));
      time.dateTime = m.at;
      head.appendChild(document.createTextNode(" "));
      head.appendChild(time);
    }
    li.appendChild(head);
    li.appendChild(make("span", "line-text", m.text || ""));
    return li;
  }

  function renderTranscript(lines) {
    var keys = lines.map(lineKey);
    var old = state.lineKeys;
    var prefix = old.length <= keys.length && old.every(function (k, i) { return k === keys[i]; });
    if (prefix && keys.length === old.length) return;
    var atEnd = el.transcript.scrollHeight - el.transcript.scrollTop - el.transcript.clientHeight < 40;
    if (!prefix) clear(el.transcript);
    // Only the new lines are appended, so the live region reads just those.
    lines.slice(prefix ? old.length : 0).forEach(function (m) { el.transcript.appendChild(lineNode(m)); });
    state.lineKeys = keys;
    if (atEnd || !old.length || !prefix) el.transcript.scrollTop = el.transcript.scrollHeight;
  }

  // ---- replying and resolving ------------------------------------------------------------
  function onReply(e) {
    e.preventDefault();
    var text = el.replyInput.value.trim();
    var id = state.openId;
    if (!text || id == null) return;
    el.replySend.disabled = true;
    show(el.ticketError, "");
    api("POST", "/tickets/" + encodeURIComponent(id) + "/messages", { text: text }).then(function (data) {
      if (el.replyInput.value.trim() === text) el.replyInput.value = "";
      if (data && data.delivered === false) {
        show(el.deskInfo, "消息已保存，但借款人当前不在线；对方重新打开对话时会看到。");
      }
      return refreshTicket();
    }, function (err) {
      if (err instanceof ApiError && err.status === 401) return;
      el.ticketError.dataset.source = "reply";
      show(el.ticketError, "发送失败：" + errorText(err));
      if (err instanceof ApiError && (err.status === 403 || err.status === 409)) refreshTicket();
    }).then(function () {
      el.replySend.disabled = false;
      if (!el.replyForm.hidden) el.replyInput.focus();
    });
  }

  function onReplyKey(e) {
    // Enter sends, Shift+Enter is a new line; not while an IME (pinyin) is composing.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      el.replyForm.requestSubmit();
    }
  }

  function onResolve(e) {
    e.preventDefault();
    var outcome = el.resolveInput.value.trim();
    var id = state.openId;
    if (id == null) return;
    if (!outcome) {
      show(el.resolveError, "请先填写处理结果，再结单。");
      el.resolveInput.setAttribute("aria-invalid", "true");
      el.resolveInput.focus();
      return;
    }
    el.resolveInput.removeAttribute("aria-invalid");
    show(el.resolveError, "");
    show(el.ticketError, "");
    el.resolveSubmit.disabled = true;
    api("POST", "/tickets/" + encodeURIComponent(id) + "/resolve", { outcome: outcome }).then(function () {
      el.resolveInput.value = "";
      show(el.deskInfo, "工单 #" + id + " 已结单，对话已交回智能助手。");
      pollQueue();
      return refreshTicket().then(function () { el.ticketTitle.focus(); });
    }, function (err) {
      if (err instanceof ApiError && err.status === 401) return;
      el.ticketError.dataset.source = "resolve";
      show(el.ticketError, "结单失败：" + errorText(err));
      if (err instanceof ApiError && (err.status === 403 || err.status === 409)) refreshTicket();
    }).then(function () {
      el.resolveSubmit.disabled = false;
    });
  }

  // ---- start -----------------------------------------------------------------------------
  function start() {
    el.agentName = $("agent-name");
    el.hoursNotice = $("hours-notice");
    el.deskError = $("desk-error");
    el.deskInfo = $("desk-info");
    el.announcer = $("queue-announcer");
    el.queueTitle = $("queue-title");
    el.queueCount = $("queue-count");
    el.queueUpdated = $("queue-updated");
    el.queueEmpty = $("queue-empty");
    el.queue = $("queue");
    el.placeholder = $("ticket-placeholder");
    el.ticketView = $("ticket");
    el.ticketTitle = $("ticket-title");
    el.ticketMeta = $("ticket-meta");
    el.ticketHeadline = $("ticket-headline");
    el.claimBtn = $("ticket-claim");
    el.closeBtn = $("ticket-close");
    el.ticketError = $("ticket-error");
    el.crisis = $("crisis-reminder");
    el.summaryBody = $("summary-body");
    el.transcript = $("transcript");
    el.ticketState = $("ticket-state");
    el.replyForm = $("reply-form");
    el.replyInput = $("reply-input");
    el.replySend = $("reply-send");
    el.resolveForm = $("resolve-form");
    el.resolveInput = $("resolve-input");
    el.resolveError = $("resolve-error");
    el.resolveSubmit = $("resolve-submit");

    el.claimBtn.addEventListener("click", function () {
      if (state.openId != null) claimTicket(state.openId);
    });
    el.closeBtn.addEventListener("click", function () {
      var id = state.openId;
      closeTicket(false);
      if (id != null && state.rows[id]) state.rows[id].open.focus();
      else el.queueTitle.focus();
    });
    el.replyForm.addEventListener("submit", onReply);
    el.replyInput.addEventListener("keydown", onReplyKey);
    el.resolveForm.addEventListener("submit", onResolve);
    el.resolveInput.addEventListener("input", function () {
      if (el.resolveInput.value.trim()) {
        show(el.resolveError, "");
        el.resolveInput.removeAttribute("aria-invalid");
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && state.openId != null && el.ticketView.contains(document.activeElement)) {
        el.closeBtn.click();
      }
    });

    staff.start();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
