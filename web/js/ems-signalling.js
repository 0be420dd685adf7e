/*
 * EmsSignalling: a small socket.io protocol revision 1 client (the protocol of socket.io 0.9.x,
 * which the ERS speaks) over WebSocket only, with no dependencies.
 *
 * Wire format (socket.io-spec, revision 1):
 *   handshake  GET /socket.io/1/?t=<now>  ->  "<sid>:<heartbeat s>:<close s>:<transports>"
 *   transport  ws(s)://host/socket.io/1/websocket/<sid>
 *   frames     "type:id[+]:endpoint[:data]"; 0 disconnect, 1 connect, 2 heartbeat, 3 message,
 *              4 json, 5 event {"name","args"}, 6 ack "<id>+[args]", 7 error, 8 noop
 *
 * Usage: const s = new EmsSignalling('host:4545', {secure:false});
 *        s.on('stunservers', list => ...); await s.connect(); s.emit('join', room, opts, (err, data) => ...);
 */
(function (global) {
  'use strict';

  function EmsSignalling(address, options) {
    options = options || {};
    this.address = address;
    this.secure = !!options.secure;
    this.handlers = {};
    this.acks = {};
    this.nextAckId = 1;
    this.ws = null;
    this.sid = null;
    this.connected = false;
    this.closeTimer = null;
    this.closeTimeoutMs = 60000;
    this.closing = false;
  }

  EmsSignalling.prototype.on = function (name, fn) {
    (this.handlers[name] = this.handlers[name] || []).push(fn);
    return this;
  };

  EmsSignalling.prototype.fire = function (name, args) {
    var list = this.handlers[name];
    if (!list) return;
    for (var i = 0; i < list.length; i++) {
      try { list[i].apply(null, args); } catch (e) { console.error('handler for ' + name + ' failed', e); }
    }
  };

  /** Handshakes over HTTP, then opens the WebSocket transport; resolves once the server sent "1::". */
  EmsSignalling.prototype.connect = function () {
    var self = this;
    var http = (this.secure ? 'https://' : 'http://') + this.address;
    return fetch(http + '/socket.io/1/?t=' + Date.now(), { method: 'GET', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('signalling server refused the handshake (HTTP ' + r.status + ')');
        return r.text();
      })
      .then(function (body) {
        var parts = body.split(':');
        if (parts.length < 4 || parts[3].split(',').indexOf('websocket') < 0)
          throw new Error('signalling server does not offer the websocket transport');
        self.sid = parts[0];
        self.closeTimeoutMs = (parseInt(parts[2], 10) || 60) * 1000;
        return new Promise(function (resolve, reject) {
          var ws = new WebSocket((self.secure ? 'wss://' : 'ws://') + self.address + '/socket.io/1/websocket/' + self.sid);
          self.ws = ws;
          var opened = false;
          ws.onmessage = function (ev) {
            self.touch();
            var frame = self.parse(ev.data);
            if (!frame) return;
            if (frame.type === '1' && !opened) { opened = true; self.connected = true; resolve(); return; }
            self.dispatch(frame);
          };
          ws.onerror = function () { if (!opened) reject(new Error('cannot open the signalling WebSocket')); };
          ws.onclose = function () {
            var was = self.connected;
            self.connected = false;
            clearTimeout(self.closeTimer);
            if (!opened) reject(new Error('signalling WebSocket closed during connect'));
            if (was && !self.closing) self.fire('disconnect', []);
          };
        });
      });
  };

  EmsSignalling.prototype.touch = function () {
    var self = this;
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(function () { if (self.ws) self.ws.close(); }, this.closeTimeoutMs);
  };

  EmsSignalling.prototype.parse = function (text) {
    var m = /^([0-8])(?::([0-9]*)(\+)?(?::([^:]*)(?::([\s\S]*))?)?)?$/.exec(text);
    if (!m) return null;
    return { type: m[1], id: m[2] || '', ackData: !!m[3], endpoint: m[4] || '', data: m[5] === undefined ? '' : m[5] };
  };

  EmsSignalling.prototype.dispatch = function (f) {
    var self = this;
    switch (f.type) {
      case '0': this.close(); break;
      case '2': this.send('2::'); break;
      case '3': this.fire('message', [f.data]); break;
      case '4': this.fire('message', [JSON.parse(f.data)]); break;
      case '5': {
        var ev = JSON.parse(f.data);
        var args = ev.args || [];
        if (f.id) {
          args.push(function () {
            self.send('6:::' + f.id + '+' + JSON.stringify(Array.prototype.slice.call(arguments)));
          });
        }
        this.fire(ev.name, args);
        break;
      }
      case '6': {
        var plus = f.data.indexOf('+');
        var id = plus < 0 ? f.data : f.data.substring(0, plus);
        var ackArgs = plus < 0 ? [] : JSON.parse(f.data.substring(plus + 1));
        var fn = this.acks[id];
        delete this.acks[id];
        if (fn) fn.apply(null, ackArgs);
        break;
      }
      case '7': this.fire('error', [f.data]); break;
      default: break;
    }
  };

  EmsSignalling.prototype.send = function (text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  };

  /** emit(name, ...args[, ackCallback]) sends an event frame; a trailing function asks for an ack. */
  EmsSignalling.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    var id = '';
    if (args.length && typeof args[args.length - 1] === 'function') {
      id = String(this.nextAckId++);
      this.acks[id] = args.pop();
      id += '+';
    }
    this.send('5:' + id + '::' + JSON.stringify({ name: name, args: args }));
  };

  EmsSignalling.prototype.close = function () {
    this.closing = true;
    clearTimeout(this.closeTimer);
    if (this.ws) {
      try { this.send('0::'); this.ws.close(); } catch (e) { /* already closed */ }
    }
    this.ws = null;
  };

  global.EmsSignalling = EmsSignalling;
})(typeof window !== 'undefined' ? window : this);
