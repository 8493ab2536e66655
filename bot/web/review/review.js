/*
 * Review page (复查队列) for editors, on the review API at /review/api (bot/review/api.py).
 * Plain DOM: every text from the server goes in with textContent, never as markup; the page
 * runs under a strict CSP with Trusted Types, so no HTML is ever built from strings.
 */
(function () {
  "use strict";

  var API = "/review/api";
  var TOKEN_KEY = "review-page-token";
  var EDITOR_KEY = "review-page-editor";

  var REASONS = {
    low_confidence: "置信度低", fallback: "没听懂（回退）", correction: "借款人纠正",
    handoff_after_fallback: "回退后转人工"
  };
  var CATEGORIES = {
    crisis: "危机", possible_crisis: "可能危机", distress: "情绪困扰", human: "要求人工",
    dispute: "争议", complaint: "投诉", fee_waiver: "减免", fallback: "没听懂", scam: "诈骗"
  };
  // Chinese glosses for the domain's intents; an intent not listed shows its name only.
  var INTENTS = {
    greet: "打招呼", goodbye: "告别", affirm: "肯定", deny: "否定", thank: "感谢",
    bot_challenge: "问是不是机器人", check_debt: "查询欠款", income_loss: "收入减少/失业",
    forgot_due_date: "忘了还款日", multiple_debts: "多笔欠款", ask_late_fee: "问罚息/滞纳金",
    ask_credit_impact: "问征信影响", request_installment: "申请分期",
    request_extension: "申请延期", request_fee_waiver: "申请减免",
    ask_repayment_channel: "问还款渠道", promise_to_pay: "承诺还款",
    express_distress: "表达压力", crisis: "危机", request_human: "要求人工",
    complain_collection: "投诉催收", dispute_debt: "对欠款有异议", inform: "提供信息",
    out_of_scope: "超出范围", report_scam: "遇到诈骗", fear_consequences: "担心后果"
  };
  var ERRORS = {
    bad_credentials: "用户名或密码不正确。",
    unauthorized: "请先用编辑账号登录。",
    token_expired: "登录已过期，请重新登录。",
    not_found: "找不到这条消息，可能已被其他编辑处理。",
    internal: "服务器出错了，请稍后再试。",
    network: "网络连接失败，请检查网络后重试。"
  };

  var el = {};
  var state = { intents: [], groups: [] };

  // DOM helpers, the API client, the session and the sign-in form: bot/web/common/staff.js.
  var S = window.StaffPage;
  var $ = S.$, make = S.make, clear = S.clear, show = S.show, ApiError = S.ApiError;
  var staff = S.page({
    api: API, tokenKey: TOKEN_KEY, userKey: EDITOR_KEY, user: "editor",
    errorText: errorText, work: "work", enter: enterWork, leave: leaveWork,
    signedOutText: ""
  });
  var api = staff.api;

  function percent(value) {
    if (value == null) return "—";
    return (Number(value) * 100).toFixed(1) + "%";
  }

  function intentLabel(name) {
    if (!name) return "（无）";
    return INTENTS[name] ? name + " · " + INTENTS[name] : name;
  }

  // ---- API -------------------------------------------------------------------------------
  function errorText(err) {
    if (!(err instanceof ApiError)) return ERRORS.network;
    return err.message || ERRORS[err.code] || ERRORS.internal;
  }

  // ---- signed in / out -------------------------------------------------------------------
  function enterWork(editor) {
    el.editorName.textContent = "编辑：" + (editor.display_name || editor.id);
    loadAll(true);
  }

  function leaveWork() {
    clear(el.groups);
  }

  // ---- figures ---------------------------------------------------------------------------
  function pairs(list, rows) {
    clear(list);
    if (!rows.length) {
      list.appendChild(make("li", "muted", "暂无"));
      return;
    }
    rows.forEach(function (row) {
      var li = make("li");
      li.appendChild(make("span", null, row[0]));
      li.appendChild(make("span", "num", row[1]));
      list.appendChild(li);
    });
  }

  function renderFigures(f) {
    el.figWindow.textContent = "近 " + f.window.days + " 天（" + f.window.from + " 至 " +
      f.window.to + "）";
    el.figConvTotal.textContent = f.conversations.total + " 个对话";
    clear(el.figConvDays);
    var max = Math.max.apply(null, f.conversations.per_day.map(function (d) { return d.count; })
      .concat([1]));
    f.conversations.per_day.forEach(function (d) {
      var li = make("li");
      li.appendChild(make("span", "muted", d.date.slice(5)));
      var track = make("span");
      var bar = make("span", "bar");
      bar.style.width = Math.round((d.count / max) * 100) + "%";  // CSSOM, not markup
      track.appendChild(bar);
      track.setAttribute("aria-hidden", "true");
      li.appendChild(track);
      li.appendChild(make("span", "num", d.count));
      li.setAttribute("aria-label", d.date + "：" + d.count + " 个对话");
      el.figConvDays.appendChild(li);
    });
    var r = f.resolved_without_person;
    el.figResolved.textContent = percent(r.share) + "（" + r.count + "/" + r.of + "）";
    var fb = f.fallback;
    el.figFallback.textContent = percent(fb.rate) + "（" + fb.count + "/" + fb.of + "）";
    el.figHandoffTotal.textContent = f.handoffs.total + " 次";
    pairs(el.figHandoffs, Object.keys(f.handoffs.by_category).filter(function (k) {
      return f.handoffs.by_category[k] > 0;
    }).map(function (k) {
      return [CATEGORIES[k] || k, f.handoffs.by_category[k]];
    }));
    pairs(el.figLabels, f.missed_topics.labels.map(function (t) {
      return [intentLabel(t.intent), t.count];
    }));
    pairs(el.figPredicted, f.missed_topics.predicted.map(function (t) {
      return [intentLabel(t.intent), t.count];
    }));
  }

  // ---- the queue -------------------------------------------------------------------------
  function thoughtText(g) {
    var t = g.thought;
    var parts = [];
    if (t.intent) {
      parts.push("助手当时以为是：" + intentLabel(t.intent) +
        (t.confidence != null ? "（置信度 " + Number(t.confidence).toFixed(2) + "）" : ""));
    } else {
      parts.push("助手当时没有猜出意图");
    }
    parts.push("原因：" + t.reasons.map(function (r) {
      return (REASONS[r.reason] || r.reason) + (r.count > 1 ? " ×" + r.count : "");
    }).join("、"));
    return parts.join("；");
  }

  function field(labelText, control, id) {
    var wrap = make("div", "grow");
    var label = make("label", null, labelText);
    label.htmlFor = id;
    control.id = id;
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function renderGroup(g, index) {
    var li = make("li", "group" + (g.dismissable ? "" : " is-crisis"));
    li.dataset.groupId = String(g.id);
    var headingId = "group-" + g.id + "-title";
    li.setAttribute("aria-labelledby", headingId);
    var h3 = make("h3", null, "第 " + (index + 1) + " 组：" + g.text);
    h3.id = headingId;
    h3.tabIndex = -1;
    li.appendChild(h3);
    li.appendChild(make("p", "group-meta", "共 " + g.count + " 条相似消息" +
      (g.examples.length > 1 ? "，例句：" : "")));
    if (g.examples.length > 1) {
      var ul = make("ul", "examples");
      g.examples.forEach(function (text) { ul.appendChild(make("li", "example", text)); });
      li.appendChild(ul);
    }
    li.appendChild(make("p", "thought", thoughtText(g)));

    var actions = make("div", "actions");
    // Pick an intent.
    var labelForm = make("form", "action-row label-form");
    var select = make("select", "intent-select");
    select.appendChild(make("option", null, "请选择意图…")).value = "";
    state.intents.forEach(function (name) {
      var option = make("option", null, intentLabel(name));
      option.value = name;
      if (name === g.thought.intent) option.textContent += "（助手的猜测）";
      select.appendChild(option);
    });
    labelForm.appendChild(field("正确的意图", select, "intent-" + g.id));
    labelForm.appendChild(make("button", "btn btn-primary label-submit", "标注"));
    labelForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!select.value) {
        groupError(li, "请先选择一个意图。");
        select.focus();
        return;
      }
      decide(li, g, "label", { intent: select.value },
        "已标注为 " + intentLabel(select.value) + "（" + g.count + " 条）");
    });
    actions.appendChild(labelForm);

    // Mark as a new intent (optional proposed name).
    var newForm = make("form", "action-row new-intent-form");
    var nameInput = make("input", "new-intent-name");
    nameInput.type = "text";
    nameInput.autocomplete = "off";
    nameInput.spellcheck = false;
    nameInput.placeholder = "可不填，例如 ask_cancel_card";
    newForm.appendChild(field("新意图名（英文，可不填）", nameInput, "new-intent-" + g.id));
    newForm.appendChild(make("button", "btn btn-quiet new-intent-submit", "标为新意图"));
    newForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = nameInput.value.trim();
      decide(li, g, "new-intent", name ? { name: name } : {},
        "已标为新意图候选" + (name ? "：" + name : "") + "（" + g.count + " 条）");
    });
    actions.appendChild(newForm);

    // Dismiss.
    var dismissRow = make("div", "action-row dismiss-row");
    var dismissButton = make("button", "btn btn-dismiss dismiss", "忽略（无可学习之处）");
    dismissButton.type = "button";
    if (!g.dismissable) {
      dismissButton.disabled = true;
      var why = make("span", "hint", "助手判断为危机的消息不能忽略，请标出正确的意图。");
      why.id = "dismiss-why-" + g.id;
      dismissButton.setAttribute("aria-describedby", why.id);
      dismissRow.appendChild(dismissButton);
      dismissRow.appendChild(why);
    } else {
      dismissRow.appendChild(dismissButton);
    }
    dismissButton.addEventListener("click", function () {
      decide(li, g, "dismiss", {}, "已忽略（" + g.count + " 条）");
    });
    actions.appendChild(dismissRow);
    li.appendChild(actions);

    var err = make("p", "form-error group-error");
    err.setAttribute("role", "alert");
    err.hidden = true;
    li.appendChild(err);
    return li;
  }

  function groupError(li, text) {
    show(li.querySelector(".group-error"), text);
  }

  function setBusy(li, busy) {
    Array.prototype.forEach.call(li.querySelectorAll("button, select, input"), function (c) {
      if (busy) {
        c.dataset.wasDisabled = c.disabled ? "1" : "";
        c.disabled = true;
      } else {
        c.disabled = c.dataset.wasDisabled === "1";
      }
    });
  }

  function decide(li, g, action, body, done) {
    groupError(li, "");
    setBusy(li, true);
    body.ids = g.ids.slice(1);
    api("POST", "/items/" + g.id + "/" + action, body).then(function () {
      var next = li.nextElementSibling || li.previousElementSibling;
      li.parentNode.removeChild(li);
      state.groups = state.groups.filter(function (x) { return x.id !== g.id; });
      updateCount();
      el.info.textContent = done;
      var heading = next && next.querySelector("h3");
      (heading || el.queueTitle).focus();
      loadFigures();
    }, function (err) {
      setBusy(li, false);
      groupError(li, errorText(err));
    });
  }

  function updateCount() {
    var messages = state.groups.reduce(function (n, g) { return n + g.count; }, 0);
    el.queueCount.textContent = state.groups.length + " 组 · " + messages + " 条";
    el.queueEmpty.hidden = state.groups.length > 0;
  }

  function renderGroups(groups) {
    state.groups = groups;
    clear(el.groups);
    groups.forEach(function (g, i) { el.groups.appendChild(renderGroup(g, i)); });
    updateCount();
  }

  function loadFigures() {
    return api("GET", "/figures").then(renderFigures, function (err) {
      show(el.error, "团队数据读取失败：" + errorText(err));
    });
  }

  function loadAll(focus) {
    show(el.error, "");
    return Promise.all([api("GET", "/intents"), api("GET", "/items?status=new")])
      .then(function (results) {
        state.intents = results[0].intents || [];
        renderGroups(results[1].groups || []);
        if (focus) el.queueTitle.focus();
        return loadFigures();
      }, function (err) {
        if (staff.session.token) show(el.error, errorText(err));
      });
  }

  // ---- export ----------------------------------------------------------------------------
  function fileName(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : "review-nlu.yml";
  }

  function onExport() {
    el.exportButton.disabled = true;
    staff.request("GET", "/export").then(function (response) {
      var name = fileName(response);
      return response.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = make("a");
        link.href = url;
        link.download = name;
        link.hidden = true;
        document.body.appendChild(link);
        link.click();
        document.body.removeChild(link);
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        el.info.textContent = "已导出 " + name + "：请检查后再放进 data/nlu/。";
      });
    }).catch(function (err) {
      show(el.error, "导出失败：" + errorText(err));
    }).then(function () {
      el.exportButton.disabled = false;
    });
  }

  // ---- start -----------------------------------------------------------------------------
  function init() {
    el.editorName = $("editor-name");
    el.error = $("work-error");
    el.info = $("work-info");
    el.groups = $("groups");
    el.queueTitle = $("queue-title");
    el.queueCount = $("queue-count");
    el.queueEmpty = $("queue-empty");
    el.exportButton = $("export");
    el.figWindow = $("figures-window");
    el.figConvTotal = $("fig-conv-total");
    el.figConvDays = $("fig-conv-days");
    el.figResolved = $("fig-resolved");
    el.figFallback = $("fig-fallback");
    el.figHandoffTotal = $("fig-handoff-total");
    el.figHandoffs = $("fig-handoffs");
    el.figLabels = $("fig-labels");
    el.figPredicted = $("fig-predicted");

    $("refresh").addEventListener("click", function () { loadAll(false); });
    el.exportButton.addEventListener("click", onExport);

    staff.start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
