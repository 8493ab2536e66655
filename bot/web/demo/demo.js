/* Demo sign-in: pick a demo borrower, get a token, open the chat with it in the fragment. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function showError(text) {
    var p = $("demo-error");
    p.textContent = text;
    p.hidden = !text;
  }

  function accountLine(a) {
    var state = a.days_overdue > 0 ? a.stage + "，逾期 " + a.days_overdue + " 天" : a.stage;
    if (a.on_plan) state += "，已在个性化分期中";
    return a.lender + "（" + a.label + "）：" + state;
  }

  function render(borrowers) {
    var box = $("borrowers");
    while (box.firstChild) box.removeChild(box.firstChild);
    borrowers.forEach(function (b, i) {
      var label = document.createElement("label");
      label.className = "choice";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "borrower";
      input.value = b.id;
      input.required = true;
      if (i === 0) input.checked = true;
      var text = document.createElement("span");
      var name = document.createElement("span");
      name.className = "choice-name";
      name.textContent = b.display_name;
      var id = document.createElement("span");
      id.className = "choice-id";
      id.textContent = b.id;
      var list = document.createElement("ul");
      list.className = "choice-accounts";
      b.accounts.forEach(function (a) {
        var li = document.createElement("li");
        li.textContent = accountLine(a);
        list.appendChild(li);
      });
      text.appendChild(name);
      text.appendChild(id);
      text.appendChild(list);
      label.appendChild(input);
      label.appendChild(text);
      box.appendChild(label);
    });
    box.setAttribute("aria-busy", "false");
    $("start").disabled = borrowers.length === 0;
  }

  function start() {
    fetch("/demo/api/borrowers", { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { render(data.borrowers || []); })
      .catch(function () { showError("演示用户载入失败，请刷新页面重试。"); });

    $("demo-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var checked = document.querySelector("input[name=borrower]:checked");
      if (!checked) { showError("请先选择一位演示用户。"); return; }
      showError("");
      $("start").disabled = true;
      fetch("/demo/token", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ borrower_id: checked.value })
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok || !res.body.token) throw new Error((res.body && res.body.message) || "登录失败");
          window.location.assign("/chat/#token=" + encodeURIComponent(res.body.token));
        })
        .catch(function (err) {
          showError(err.message || "登录失败，请重试。");
          $("start").disabled = false;
        });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
