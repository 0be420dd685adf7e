/*
 * EmsPlayer: joins a room on an ERS and plays one stream from the EMS in it, over WebRTC data
 * channels carrying fragmented MP4 into Media Source Extensions ("fmp4") or native WebRTC media
 * ("srtp"). Depends on ems-signalling.js (EmsSignalling) and, for fmp4, ems-fmp4.js (EmsFmp4Player).
 *
 *   var p = new EmsPlayer({ video: el, ers: 'host:4545', room: 'demo', stream: 'test',
 *                           transport: 'fmp4', token: '', secure: false,
 *                           onState: function (state, text) {}, onError: function (text) {} });
 *   p.play(); ... p.stats(); ... p.stop();
 *
 * States: connecting, waiting (room has no stream server yet), negotiating, connected, playing,
 * reconnecting, stopped, error. Every error is reported in plain words through onError.
 */
(function (global) {
  'use strict';

  var RETRY_MIN_MS = 500, RETRY_MAX_MS = 5000;
  // The stream server answers an fmp4Request within milliseconds; with no answer by then the session is stuck
  // (the request or its answer was lost), and a fresh session plays sooner than waiting on this one.
  var FMP4_ANSWER_MS = 2000;

  function EmsPlayer(options) {
    this.o = options;
    this.o.transport = options.transport === 'srtp' ? 'srtp' : 'fmp4';
    this.state = 'stopped';
    this.signalling = null;
    this.pc = null;
    this.emsId = null;
    this.sid = null;
    this.iceServers = [];
    this.offered = { stunservers: [], turnservers: [] };
    this.fmp4 = null;
    this.requested = false;
    this.answered = false;
    this.answerTimer = null;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.statsTimer = null;
    this.running = false;
    this.lastError = '';
    this.timing = { playAt: 0, joinedAt: 0, connectedAt: 0, firstFrameAt: 0 };
    this.last = { bytes: 0, at: 0 };
    this.current = {
      state: 'stopped', iceState: '', candidateType: '', bitrateKbps: 0, framesDecoded: 0,
      latencyMs: 0, bytesReceived: 0, error: '', joinToFirstFrameMs: 0, audioPacketsReceived: 0, audioSamplesReceived: 0
    };
  }

  EmsPlayer.prototype.setState = function (state, text) {
    this.state = state;
    this.current.state = state;
    if (this.o.onState) this.o.onState(state, text || '');
  };

  EmsPlayer.prototype.fail = function (text, retry) {
    this.lastError = text;
    this.current.error = text;
    if (this.o.onError) this.o.onError(text);
    if (retry) this.scheduleRetry(); else this.setState('error', text);
  };

  EmsPlayer.prototype.play = function () {
    if (this.running) return;
    this.running = true;
    this.timing.playAt = performance.now();
    var self = this;
    this.statsTimer = setInterval(function () { self.collectStats(); }, 1000);
    this.join();
  };

  EmsPlayer.prototype.stop = function () {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.statsTimer);
    this.teardownPeer();
    if (this.signalling) {
      this.signalling.emit('leave');
      this.signalling.close();
      this.signalling = null;
    }
    this.setState('stopped');
  };

  EmsPlayer.prototype.scheduleRetry = function () {
    if (!this.running) return;
    var self = this;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.join(); }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  };

  /** Connects to the ERS (again) and joins the room; keeps a playing peer connection if there is one. */
  EmsPlayer.prototype.join = function () {
    if (!this.running) return;
    var self = this;
    if (this.signalling) this.signalling.close();
    var s = new EmsSignalling(this.o.ers, { secure: this.o.secure });
    this.signalling = s;
    if (!this.pc) this.setState('connecting', 'connecting to the signalling server ' + this.o.ers);
    s.on('stunservers', function (list) { self.setIceServers('stunservers', list); });
    s.on('turnservers', function (list) { self.setIceServers('turnservers', list); });
    s.on('message', function (m) { if (s === self.signalling) self.onSignal(m); });
    s.on('remove', function (r) {
      if (s === self.signalling && r && r.id === self.emsId) {
        self.teardownPeer();
        self.fail('the stream server left the room; waiting for it to come back', true);
      }
    });
    s.on('disconnect', function () {
      if (s !== self.signalling || !self.running) return;
      // The media path is direct: a playing session survives a signalling outage. Rejoin quietly.
      if (!self.pc) self.setState('reconnecting', 'lost the signalling server; reconnecting');
      self.scheduleRetry();
    });
    s.connect().then(function () {
      var opts = { token: self.o.token || '', streamName: self.o.stream, transport: self.o.transport };
      s.emit('join', self.o.room, opts, function (err, data) {
        if (s !== self.signalling) return;
        if (err) { s.close(); self.fail(self.explainJoinError(err), err === 'room taken'); return; }
        var clients = (data && data.clients) || {};
        var ems = null;
        for (var id in clients) if (clients[id] && clients[id].ems) ems = id;
        if (!ems) {
          s.close();
          self.signalling = null;
          if (!self.pc) self.setState('waiting', 'room "' + self.o.room + '" has no stream server yet; waiting');
          self.scheduleRetry();
          return;
        }
        self.retryMs = RETRY_MIN_MS;
        if (self.pc && self.emsId === ems) return; // still playing over the old session
        self.teardownPeer();
        self.emsId = ems;
        self.timing.joinedAt = performance.now();
        self.setState('negotiating', 'joined room "' + self.o.room + '"; negotiating with the stream server');
      });
    }, function (e) {
      if (s !== self.signalling) return;
      self.signalling = null;
      if (!self.pc) self.fail('cannot reach the signalling server ' + self.o.ers + ': ' + e.message, true);
      else self.scheduleRetry();
    });
  };

  EmsPlayer.prototype.explainJoinError = function (err) {
    if (err === 'invalid token') return 'the token was refused by the signalling server';
    if (err === 'room not allowed') return 'room "' + this.o.room + '" is not allowed on this signalling server';
    return 'the signalling server refused to join: ' + err;
  };

  /**
   * Keeps the ERS's latest stunservers or turnservers list (each join sends both again, so a list replaces the
   * previous one of its kind rather than piling up) and rebuilds the RTCPeerConnection's iceServers from both.
   */
  EmsPlayer.prototype.setIceServers = function (kind, list) {
    if (!Array.isArray(list)) return;
    var entries = [];
    for (var i = 0; i < list.length; i++) {
      var e = list[i];
      var url = e && (e.urls || e.url);
      if (!url) continue;
      var entry = { urls: url };
      if (e.username) entry.username = e.username;
      if (e.credential) entry.credential = e.credential;
      entries.push(entry);
    }
    this.offered[kind] = entries;
    this.iceServers = this.offered.stunservers.concat(this.offered.turnservers);
  };

  EmsPlayer.prototype.sendSignal = function (type, payload) {
    if (!this.signalling) return;
    this.signalling.emit('message', {
      to: this.emsId, sid: this.sid, roomType: 'video', type: type, payload: payload, prefix: 'webkit'
    });
  };

  EmsPlayer.prototype.onSignal = function (m) {
    if (!m || !m.type) return;
    var self = this;
    if (m.type === 'offer') {
      this.teardownPeer();
      this.emsId = m.from || this.emsId;
      this.sid = m.sid;
      var pc = this.createPeer();
      pc.setRemoteDescription(m.payload)
        .then(function () { return pc.createAnswer(); })
        .then(function (answer) { return pc.setLocalDescription(answer); })
        .then(function () { self.sendSignal('answer', { type: 'answer', sdp: pc.localDescription.sdp }); })
        .catch(function (e) { self.fail('could not accept the stream server\'s offer: ' + e.message, true); });
    } else if (m.type === 'candidate' && this.pc && m.payload && m.payload.candidate) {
      this.pc.addIceCandidate(m.payload.candidate).catch(function (e) {
        console.warn('ignored a remote candidate', e);
      });
    } else if (m.type === 'connectivityError') {
      // The EMS explains what went wrong (e.g. an unknown stream) in payload.description: final, no retry.
      var why = m.payload && m.payload.description;
      if (why) { this.teardownPeer(); this.fail(why, false); }
      else this.fail('the stream server reported a connectivity error', true);
    }
  };

  EmsPlayer.prototype.createPeer = function () {
    var self = this;
    var pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    pc.onicecandidate = function (e) {
      if (!e.candidate) return;
      self.sendSignal('candidate', {
        candidate: { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex }
      });
    };
    pc.onconnectionstatechange = function () {
      if (pc !== self.pc) return;
      self.current.iceState = pc.connectionState;
      if (pc.connectionState === 'connected') {
        // The first frame can beat this event (it is queued behind media under load), and a path that came
        // back from 'disconnected' is still playing: never fall back from playing to waiting for a frame.
        if (self.timing.firstFrameAt) { self.setState('playing', 'playing "' + self.o.stream + '"'); return; }
        self.timing.connectedAt = performance.now();
        self.setState('connected', 'connected; waiting for the first frame');
      } else if (pc.connectionState === 'failed') {
        self.teardownPeer();
        self.fail('the network path to the stream server failed (ICE failed)', true);
      } else if (pc.connectionState === 'disconnected') {
        self.setState('reconnecting', 'the network path to the stream server was interrupted');
      }
    };
    if (this.o.transport === 'srtp') {
      pc.ontrack = function (e) {
        var v = self.o.video;
        if (!v.srcObject) v.srcObject = e.streams && e.streams[0] ? e.streams[0] : new MediaStream();
        if (!e.streams || !e.streams[0]) v.srcObject.addTrack(e.track);
        self.watchFirstFrame();
        var p = v.play();
        if (p && p.catch) p.catch(function () { v.muted = true; v.play(); });
      };
    } else {
      pc.ondatachannel = function (e) { self.onChannel(e.channel); };
    }
    return pc;
  };

  EmsPlayer.prototype.onChannel = function (ch) {
    var self = this;
    ch.binaryType = 'arraybuffer';
    if (ch.label === 'emsCommandChannel') this.commandChannel = ch;
    ch.onopen = function () {
      // As the stock player does: ask for the stream as soon as any channel is open.
      if (self.requested || !self.commandChannel || self.commandChannel.readyState !== 'open') return;
      self.requested = true;
      self.commandChannel.send(JSON.stringify({ type: 'fmp4Request', payload: { name: self.o.stream } }));
      var pc = self.pc;
      self.answerTimer = setTimeout(function () {
        if (pc !== self.pc || self.answered) return;
        if (window.console) console.warn('ems-player: no fmp4Response in ' + FMP4_ANSWER_MS + ' ms; starting a new session');
        self.teardownPeer();
        self.fail('the stream server did not answer the stream request; retrying', true);
      }, FMP4_ANSWER_MS);
    };
    ch.onmessage = function (e) {
      if (typeof e.data === 'string') { self.onCommand(e.data); return; }
      if (!self.fmp4) {
        self.fmp4 = new EmsFmp4Player(self.o.video, {
          onError: function (text) { self.fail('the browser could not play the stream: ' + text, false); }
        });
        self.watchFirstFrame();
      }
      self.fmp4.push(e.data);
    };
    if (ch.readyState === 'open') ch.onopen();
  };

  EmsPlayer.prototype.onCommand = function (text) {
    var m;
    try { m = JSON.parse(text); } catch (e) { return; }
    if (m.type === 'fmp4Response') this.answered = true;
    if (m.type === 'fmp4Response' && m.payload && m.payload.status === 'FAIL') {
      this.fail(m.payload.description || ('stream "' + this.o.stream + '" was not found'), false);
    } else if (m.type === 'metadata' && this.o.onMetadata) {
      this.o.onMetadata(m.payload);
    }
  };

  EmsPlayer.prototype.watchFirstFrame = function () {
    var self = this, v = this.o.video;
    if (this.watching) return;
    this.watching = true;
    var done = function () {
      if (self.timing.firstFrameAt) return;
      self.timing.firstFrameAt = performance.now();
      var from = self.timing.joinedAt || self.timing.playAt;
      self.current.joinToFirstFrameMs = Math.round(self.timing.firstFrameAt - from);
      self.setState('playing', 'playing "' + self.o.stream + '"');
    };
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(function () { done(); });
    else v.addEventListener('playing', done, { once: true });
  };

  EmsPlayer.prototype.teardownPeer = function () {
    if (this.pc) { try { this.pc.close(); } catch (e) { /* closed */ } }
    this.pc = null;
    this.commandChannel = null;
    this.requested = false;
    this.answered = false;
    clearTimeout(this.answerTimer);
    this.watching = false;
    if (this.fmp4) { this.fmp4.close(); this.fmp4 = null; }
    var v = this.o.video;
    if (v && v.srcObject) v.srcObject = null;
    this.timing.firstFrameAt = 0;
  };

  EmsPlayer.prototype.collectStats = function () {
    var self = this, pc = this.pc, v = this.o.video;
    if (v && v.getVideoPlaybackQuality && this.o.transport === 'fmp4') {
      this.current.framesDecoded = v.getVideoPlaybackQuality().totalVideoFrames;
      if (v.buffered.length) this.current.latencyMs = Math.max(0, Math.round((v.buffered.end(v.buffered.length - 1) - v.currentTime) * 1000));
    }
    if (!pc) return;
    pc.getStats().then(function (report) {
      var bytes = 0, pairId = null, pairs = {}, locals = {};
      report.forEach(function (s) {
        if (s.type === 'transport') { bytes += s.bytesReceived || 0; pairId = s.selectedCandidatePairId || pairId; }
        else if (s.type === 'candidate-pair') pairs[s.id] = s;
        else if (s.type === 'local-candidate') locals[s.id] = s;
        else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          self.current.audioPacketsReceived = s.packetsReceived || 0;
          self.current.audioSamplesReceived = s.totalSamplesReceived || 0;
        }
        else if (s.type === 'inbound-rtp' && s.kind === 'video') {
          self.current.framesDecoded = s.framesDecoded || 0;
          if (s.jitterBufferEmittedCount) self.current.latencyMs = Math.round(1000 * s.jitterBufferDelay / s.jitterBufferEmittedCount);
        }
      });
      if (!pairId) for (var id in pairs) if (pairs[id].nominated && pairs[id].state === 'succeeded') pairId = id;
      var pair = pairId && pairs[pairId];
      if (pair && locals[pair.localCandidateId]) self.current.candidateType = locals[pair.localCandidateId].candidateType;
      var now = performance.now();
      if (self.last.at) self.current.bitrateKbps = Math.round((bytes - self.last.bytes) * 8 / (now - self.last.at));
      self.last = { bytes: bytes, at: now };
      self.current.bytesReceived = bytes;
    });
  };

  /** A snapshot of the live panel's figures. */
  EmsPlayer.prototype.stats = function () {
    var c = this.current, copy = {};
    for (var k in c) copy[k] = c[k];
    return copy;
  };

  global.EmsPlayer = EmsPlayer;
})(typeof window !== 'undefined' ? window : this);
