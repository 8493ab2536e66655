/*
 * Shared by the staff pages, the agent console (/agent/) and the editors' review page
 * (/review/): DOM helpers, the JSON API client with the bearer token, the session kept in
 * sessionStorage, and the sign-in form with sign-out. Plain browser JS, no build step: each
 * page loads this file before its own script (both `defer`, so they run in that order) and
 * uses window.StaffPage. Like the pages, it puts text in with textContent only, never as
 * markup (the review page runs under Trusted Types).
 */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function show(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  // ---- API -------------------------------------------------------------------------------
  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  // Calls to the JSON API at `base` with the session's bearer token. A refusal rejects with
  // an ApiError (the server's {error, message}), no answer at all with Error("network").
  function client(base, session, onUnauthorized) {
    function request(method, path, body) {
      var headers = { "Accept": "application/json" };
      if (session.token) headers["Authorization"] = "Bearer " + session.token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(base + path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin"
      }).then(function (response) {
        if (response.ok) return response;  // the caller reads it (JSON, or a download)
        return response.json().catch(function () { return null; }).then(function (data) {
          var code = (data && data.error) || (response.status === 401 ? "unauthorized" : "internal");
          var err = new ApiError(response.status, code, data && data.message);
          // Any 401 after sign-in means the token is no good: back to the sign-in form.
          if (response.status === 401 && path !== "/login") onUnauthorized(err);
          throw err;
        });
      }, function () {
        throw new Error("network");
      });
    }

    function api(method, path, body) {
      return request(method, path, body).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          return data || {};
        });
      });
    }

    return { request: request, api: api };
  }

  // ---- session ---------------------------------------------------------------------------
  // sessionStorage only: the sign-in lasts as long as the tab and is never written to disk
  // for the next person at this desk.
  function session(tokenKey, userKey) {
    var s = { token: null, user: null };
    s.save = function (token, user) {
      s.token = token;
      s.user = user;
      try {
        sessionStorage.setItem(tokenKey, token);
        sessionStorage.setItem(userKey, JSON.stringify(user));
      } catch (e) { /* private mode: stays signed in until the page closes */ }
    };
    s.load = function () {
      try {
        var token = sessionStorage.getItem(tokenKey);
        var user = JSON.parse(sessionStorage.getItem(userKey) || "null");
        if (token && user && user.id) {
          s.token = token;
          s.user = user;
          return true;
        }
      } catch (e) { /* ignore */ }
      return false;
    };
    s.forget = function () {
      s.token = null;
      s.user = null;
      try {
        sessionStorage.removeItem(tokenKey);
        sessionStorage.removeItem(userKey);
      } catch (e) { /* ignore */ }
    };
    return s;
  }

  // ---- the page: sign in, sign out -------------------------------------------------------
  /*
   * A staff page: its session, its API client and its sign-in form. Both pages use the same
   * ids (#login-view, #login-form, #login-username, #login-password, #login-error,
   * #login-submit, #signed-in, #sign-out). Options:
   *   api, tokenKey, userKey  the API's base path; the sessionStorage keys
   *   user                    where a login or verify answer holds the person ("agent")
   *   errorText(err)          the page's words for a failed call
   *   work                    id of what only a signed-in person sees
   *   enter(user)             fill that in (after sign-in, or with a kept session)
   *   leave()                 forget it again (on sign-out)
   *   signedOutText           the words after the sign-out button ("" for none)
   *   verify                  optional: a path to check a kept token with before entering
   *   busyText, clearErrorOnSubmit, selectPasswordOnError
   *                           optional feedback of the form: the button's label while it
   *                           waits; the last error goes on submit; a refused password is
   *                           selected for retyping
   * Returns {session, api, request, signOut, start}; call start() once the DOM is there.
   */
  function page(options) {
    var s = session(options.tokenKey, options.userKey);
    var calls = client(options.api, s, function (err) { signOut(options.errorText(err)); });
    var f = {};

    function enter() {
      f.view.hidden = true;
      f.work.hidden = false;
      f.signedIn.hidden = false;
      show(f.error, "");
      options.enter(s.user);
    }

    function signOut(message) {
      var wasIn = !!s.token;
      s.forget();
      options.leave();
      f.work.hidden = true;
      f.signedIn.hidden = true;
      f.view.hidden = false;
      f.password.value = "";
      show(f.error, message || "");
      if (wasIn || message) f.username.focus();
    }

    function onSubmit(e) {
      e.preventDefault();
      var username = f.username.value.trim();
      var password = f.password.value;
      if (!username || !password) {
        show(f.error, "请填写用户名和密码。");
        (username ? f.password : f.username).focus();
        return;
      }
      if (options.clearErrorOnSubmit) show(f.error, "");
      f.submit.disabled = true;
      if (options.busyText) f.submit.textContent = options.busyText;
      calls.api("POST", "/login", { username: username, password: password }).then(function (data) {
        s.save(data.token, data[options.user]);
        f.password.value = "";
        enter();
      }, function (err) {
        show(f.error, options.errorText(err));
        f.password.focus();
        if (options.selectPasswordOnError) f.password.select();
      }).then(function () {
        f.submit.disabled = false;
        if (options.busyText) f.submit.textContent = f.submitLabel;
      });
    }

    function start() {
      f.view = $("login-view");
      f.username = $("login-username");
      f.password = $("login-password");
      f.error = $("login-error");
      f.submit = $("login-submit");
      f.submitLabel = f.submit.textContent;
      f.signedIn = $("signed-in");
      f.work = $(options.work);
      $("login-form").addEventListener("submit", onSubmit);
      $("sign-out").addEventListener("click", function () { signOut(options.signedOutText || ""); });

      if (!s.load()) {
        f.username.focus();
      } else if (!options.verify) {
        enter();
      } else {
        // Check the stored token before showing anything (it may have expired overnight).
        calls.api("GET", options.verify).then(function (data) {
          if (data && data[options.user]) s.save(s.token, data[options.user]);
          enter();
        }, function (err) {
          if (!(err instanceof ApiError)) {
            enter();  // offline for a moment: the page's polls show the error and retry
          }
        });
      }
    }

    return { session: s, api: calls.api, request: calls.request, signOut: signOut, start: start };
  }

  window.StaffPage = { $: $, make: make, clear: clear, show: show, ApiError: ApiError, page: page };
})();
