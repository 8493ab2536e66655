/*
 * A minimal Socket.IO v4 client (Engine.IO v4, WebSocket transport only), written for this
 * chat so that no third-party script is shipped. What it speaks:
 *   Engine.IO  "0{...}" open (pingInterval, pingTimeout), "2" ping -> "3" pong, "1" close
 *   Socket.IO  "40{auth}" connect, "40{sid}" connected, "44{message,data}" refused,
 *              "41" disconnected by the server, "42[event,data]" event,
 *              "42<id>[event,data]" event wanting an ack, "43<id>[data]" the ack
 * Reconnects with exponential backoff and jitter, except after an authentication refusal
 * (the same token would be refused again).
 *
 *   const socket = MiniSocketIO.connect({ path: "/socket.io", auth: { token } });
 *   socket.on("connect" | "disconnect" | "connect_error" | "reconnecting" | event, fn);
 *   socket.emit("user_uttered", { message: "..." }, ack => { ... });  // false if offline
 */
(function (global) {
  "use strict";

  var AUTH_REASONS = ["missing", "malformed", "bad_signature", "expired", "wrong_audience"];

  function Socket(options) {
    this.path = (options.path || "/socket.io").replace(/\/$/, "");
    this.auth = options.auth || {};
    this.url = options.url || null;
    this.minDelay = options.reconnectionDelay || 1000;
    this.maxDelay = options.reconnectionDelayMax || 30000;
    this.handlers = {};
    this.acks = {};
    this.nextAckId = 1;
    this.connected = false;
    this.closedByUser = false;
    this.stopReconnecting = false;
    this.attempt = 0;
    this.ws = null;
    this.pingTimer = null;
    this.retryTimer = null;
    this.pingDeadline = 45000;
    this.open();
  }

  Socket.prototype.on = function (event, fn) {
    (this.handlers[event] = this.handlers[event] || []).push(fn);
    return this;
  };

  Socket.prototype.fire = function (event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.handlers[event] || []).forEach(function (fn) {
      try { fn.apply(null, args); } catch (err) { if (global.console) console.error(err); }
    });
  };

  Socket.prototype.wsUrl = function () {
    if (this.url) return this.url;
    var scheme = global.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + global.location.host + this.path + "/?EIO=4&transport=websocket";
  };

  Socket.prototype.open = function () {
    var self = this;
    var ws;
    try {
      ws = new WebSocket(this.wsUrl());
    } catch (err) {
      this.scheduleReconnect("transport error");
      return;
    }
    this.ws = ws;
    ws.onmessage = function (e) { if (self.ws === ws) self.onPacket(String(e.data)); };
    ws.onclose = function () { if (self.ws === ws) self.onClose("transport close"); };
    ws.onerror = function () { /* onclose follows */ };
  };

  // The server pings; if its pings stop, the link is dead even if the socket looks open.
  Socket.prototype.armPingTimer = function () {
    var self = this;
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(function () {
      if (self.ws) self.ws.close();
    }, this.pingDeadline);
  };

  Socket.prototype.onPacket = function (data) {
    var type = data.charAt(0);
    if (type === "0") {                       // Engine.IO open
      var info = {};
      try { info = JSON.parse(data.slice(1)); } catch (err) { /* keep defaults */ }
      this.pingDeadline = (info.pingInterval || 25000) + (info.pingTimeout || 20000);
      this.armPingTimer();
      this.ws.send("40" + JSON.stringify(this.auth));
    } else if (type === "2") {                // ping
      this.armPingTimer();
      this.ws.send("3");
    } else if (type === "1") {                // Engine.IO close
      this.ws.close();
    } else if (type === "4") {                // an Engine.IO message carries Socket.IO
      this.onSocketPacket(data.slice(1));
    }
  };

  Socket.prototype.onSocketPacket = function (data) {
    var type = data.charAt(0);
    var body = data.slice(1);
    if (type === "0") {                       // connected
      this.connected = true;
      this.attempt = 0;
      this.fire("connect");
    } else if (type === "4") {                // connect_error
      var err = {};
      try { err = JSON.parse(body); } catch (e) { err = { message: body }; }
      var reason = err && err.data && err.data.reason;
      if (AUTH_REASONS.indexOf(reason) !== -1) this.stopReconnecting = true;
      this.fire("connect_error", err);
      this.ws.close();
    } else if (type === "1") {                // the server ended this session
      this.connected = false;
      this.stopReconnecting = true;
      this.fire("disconnect", "io server disconnect");
      this.ws.close();
    } else if (type === "2" || type === "3") {
      var match = /^(\d*)([\s\S]*)$/.exec(body);
      var id = match[1];
      var args;
      try { args = JSON.parse(match[2]); } catch (e) { return; }
      if (!Array.isArray(args)) return;
      if (type === "2") {
        this.fire.apply(this, args);
      } else if (id && this.acks[id]) {
        var ack = this.acks[id];
        delete this.acks[id];
        ack.apply(null, args);
      }
    }
  };

  Socket.prototype.onClose = function (reason) {
    clearTimeout(this.pingTimer);
    var wasConnected = this.connected;
    this.connected = false;
    this.ws = null;
    this.acks = {};                            // answers to these will never come
    if (wasConnected) this.fire("disconnect", reason);
    if (!this.closedByUser && !this.stopReconnecting) this.scheduleReconnect(reason);
  };

  Socket.prototype.scheduleReconnect = function () {
    var self = this;
    this.attempt += 1;
    var base = Math.min(this.maxDelay, this.minDelay * Math.pow(2, this.attempt - 1));
    var delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.fire("reconnecting", this.attempt, delay);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.open(); }, delay);
  };

  Socket.prototype.emit = function (event, data, ack) {
    if (!this.connected || !this.ws || this.ws.readyState !== 1) return false;
    var id = "";
    if (typeof ack === "function") {
      id = String(this.nextAckId++);
      this.acks[id] = ack;
    }
    this.ws.send("42" + id + JSON.stringify([event, data]));
    return true;
  };

  Socket.prototype.close = function () {
    this.closedByUser = true;
    clearTimeout(this.retryTimer);
    if (this.ws) {
      if (this.connected && this.ws.readyState === 1) this.ws.send("41");
      this.ws.close();
    }
  };

  global.MiniSocketIO = {
    connect: function (options) { return new Socket(options || {}); },
    AUTH_REASONS: AUTH_REASONS
  };
})(window);
