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
 * fmp4 only: liveTarget, maxLatency and maxRate (seconds, seconds, rate) go to EmsFmp4Player, which keeps playback
 * that far behind the live edge (defaults 0.15, 1.0, 1.5; see ems-fmp4.js).
 *
 * stats().latencyMs: fmp4, the media buffered ahead of playback (EmsFmp4Player's latency); srtp, the mean jitter
 * buffer delay of the video frames emitted since the previous figure (once a second).
 *
 * States: connecting, waiting (room has no stream server yet), negotiating, connected, playing,
 * reconnecting, stopped, error. Every error is reported in plain words through onError.
 *
 * stats() also says which network path the session is on ("path": direct (host), direct (through NAT,
 * srflx), via relay (TURN over UDP), ...) and which local candidates the browser gathered ("candidates":
 * "host 1, srflx 0, relay 0; no srflx: no STUN server offered; ..."); when ICE fails, the error says why
 * from the same figures (EmsPlayer.describePath, EmsPlayer.explainIceFailure, EmsPlayer.describeGathering).
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
    this.ice = newIceDiagnostics([]);
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.statsTimer = null;
    this.running = false;
    this.lastError = '';
    this.timing = { playAt: 0, joinedAt: 0, connectedAt: 0, firstFrameAt: 0 };
    this.last = { bytes: 0, at: 0, jitterDelay: 0, jitterEmitted: 0 };
    this.current = {
      state: 'stopped', iceState: '', candidateType: '', path: '', candidates: '', bitrateKbps: 0, framesDecoded: 0,
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
        if (err) { s.close(); self.fail(self.explainJoinError(err), err === 'room taken' || err === 'room full'); return; }
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
      // The EMS explains what went wrong (e.g. an unknown stream) in payload.description: final, no retry; except
      // reason "unavailable" (the server is full now: WebRtc:MaxViewers), which joins again with backoff, and may be
      // handed to another stream server of the room (server.multiEmsRooms) or find room here later.
      var why = m.payload && m.payload.description;
      if (why) { this.teardownPeer(); this.fail(why, m.payload.reason === 'unavailable'); }
      else this.fail('the stream server reported a connectivity error', true);
    }
  };

  EmsPlayer.prototype.createPeer = function () {
    var self = this;
    var pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    var ice = this.ice = newIceDiagnostics(this.iceServers);
    this.current.candidates = '';
    pc.onicecandidate = function (e) {
      if (pc !== self.pc) return;
      if (!e.candidate) { self.gatheringDone(ice); return; }
      var type = e.candidate.type || typeFromSdp(e.candidate.candidate);
      if (type) ice.gathered[type] = (ice.gathered[type] || 0) + 1;
      self.current.candidates = EmsPlayer.describeGathering(ice);
      self.sendSignal('candidate', {
        candidate: { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex }
      });
    };
    pc.onicecandidateerror = function (e) {
      if (pc !== self.pc) return;
      var url = e.url || '';
      ice.errors.push({ url: url, code: e.errorCode || 0 });
      if (global.console) console.warn('ems-player: ICE server ' + url + ' did not answer: ' + (e.errorCode || '') + ' ' + (e.errorText || ''));
    };
    pc.onicegatheringstatechange = function () {
      if (pc === self.pc && pc.iceGatheringState === 'complete') self.gatheringDone(ice);
    };
    pc.onconnectionstatechange = function () {
      if (pc !== self.pc) return;
      self.current.iceState = pc.connectionState;
      if (pc.connectionState === 'connected') {
        ice.connected = true;
        // The first frame can beat this event (it is queued behind media under load), and a path that came
        // back from 'disconnected' is still playing: never fall back from playing to waiting for a frame.
        if (self.timing.firstFrameAt) { self.setState('playing', 'playing "' + self.o.stream + '"'); return; }
        self.timing.connectedAt = performance.now();
        self.setState('connected', 'connected; waiting for the first frame');
      } else if (pc.connectionState === 'failed') {
        var why = EmsPlayer.explainIceFailure(ice);
        if (global.console) console.warn('ems-player: ' + why + '; gathered ' + EmsPlayer.describeGathering(ice, true));
        self.teardownPeer();
        self.fail(why, true);
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

  /** Gathering ended (null candidate or state 'complete', whichever comes first): shows and logs what was found. */
  EmsPlayer.prototype.gatheringDone = function (ice) {
    if (ice.done) return;
    ice.done = true;
    this.current.candidates = EmsPlayer.describeGathering(ice);
    if (global.console) console.info('ems-player: gathered ' + this.current.candidates);
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
      self.awaitAnswer(FMP4_ANSWER_MS);
    };
    ch.onmessage = function (e) {
      if (typeof e.data === 'string') { self.onCommand(e.data); return; }
      if (!self.fmp4) {
        self.fmp4 = new EmsFmp4Player(self.o.video, {
          onError: function (text) { self.fail('the browser could not play the stream: ' + text, false); },
          liveTarget: self.o.liveTarget, maxLatency: self.o.maxLatency, maxRate: self.o.maxRate
        });
        self.watchFirstFrame();
      }
      self.fmp4.push(e.data);
    };
    if (ch.readyState === 'open') ch.onopen();
  };

  // Gives the stream server `ms` to answer the fmp4Request; with no answer by then the session is stuck and a new one
  // starts. An fmp4Waiting (the stream is not published yet) moves the deadline past the server's own wait, whose end
  // is a FAIL that says the stream was not found.
  EmsPlayer.prototype.awaitAnswer = function (ms) {
    var self = this, pc = this.pc;
    clearTimeout(this.answerTimer);
    this.answerTimer = setTimeout(function () {
      if (pc !== self.pc || self.answered) return;
      if (window.console) console.warn('ems-player: no fmp4Response in ' + ms + ' ms; starting a new session');
      self.teardownPeer();
      self.fail('the stream server did not answer the stream request; retrying', true);
    }, ms);
  };

  EmsPlayer.prototype.onCommand = function (text) {
    var m;
    try { m = JSON.parse(text); } catch (e) { return; }
    if (m.type === 'fmp4Waiting' && !this.answered) {
      var wait = m.payload && typeof m.payload.waitMs === 'number' ? m.payload.waitMs : 0;
      this.awaitAnswer(wait + FMP4_ANSWER_MS);
      this.setState('connected', (m.payload && m.payload.description) || ('waiting for stream "' + this.o.stream + '" to start'));
      return;
    }
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
    this.current.path = '';
    this.current.candidateType = '';
  };

  EmsPlayer.prototype.collectStats = function () {
    var self = this, pc = this.pc, v = this.o.video;
    if (v && v.getVideoPlaybackQuality && this.o.transport === 'fmp4') {
      this.current.framesDecoded = v.getVideoPlaybackQuality().totalVideoFrames;
      var latency = this.fmp4 ? this.fmp4.getStats().latency : null;
      if (latency !== null) this.current.latencyMs = Math.max(0, Math.round(latency * 1000));
    }
    if (!pc) return;
    pc.getStats().then(function (report) {
      if (pc !== self.pc) return;
      var bytes = 0;
      report.forEach(function (s) {
        if (s.type === 'transport') bytes += s.bytesReceived || 0;
        else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          self.current.audioPacketsReceived = s.packetsReceived || 0;
          self.current.audioSamplesReceived = s.totalSamplesReceived || 0;
        }
        else if (s.type === 'inbound-rtp' && s.kind === 'video') {
          self.current.framesDecoded = s.framesDecoded || 0;
          var emitted = (s.jitterBufferEmittedCount || 0) - self.last.jitterEmitted;
          if (emitted > 0) self.current.latencyMs = Math.round(1000 * ((s.jitterBufferDelay || 0) - self.last.jitterDelay) / emitted);
          self.last.jitterDelay = s.jitterBufferDelay || 0;
          self.last.jitterEmitted = s.jitterBufferEmittedCount || 0;
        }
      });
      var route = EmsPlayer.readPath(report);
      if (route) { self.current.candidateType = route.candidateType; self.current.path = route.path; }
      var now = performance.now();
      if (self.last.at) self.current.bitrateKbps = Math.round((bytes - self.last.bytes) * 8 / (now - self.last.at));
      self.last.bytes = bytes;
      self.last.at = now;
      self.current.bytesReceived = bytes;
    });
  };

  /** A snapshot of the live panel's figures. */
  EmsPlayer.prototype.stats = function () {
    var c = this.current, copy = {};
    for (var k in c) copy[k] = c[k];
    return copy;
  };

  /** A number from the page's query string (URLSearchParams), or undefined when absent or not a number: the default holds. */
  EmsPlayer.numberOption = function (query, name) {
    var text = query.get(name);
    var value = text === null || text === '' ? NaN : Number(text);
    return isNaN(value) ? undefined : value;
  };

  // ---- Network path and ICE diagnostics: pure functions of getStats() and of what gathering saw. ----

  function urlsOf(entry) { return [].concat(entry.urls || []); }

  /** What one peer connection knows about its ICE: what was offered, gathered, refused, and whether it connected. */
  function newIceDiagnostics(iceServers) {
    var stun = false, turn = false;
    for (var i = 0; i < iceServers.length; i++) {
      var urls = urlsOf(iceServers[i]);
      for (var j = 0; j < urls.length; j++) {
        if (/^stuns?:/i.test(urls[j])) stun = true;
        if (/^turns?:/i.test(urls[j])) turn = true;
      }
    }
    return { stunOffered: stun, turnOffered: turn, gathered: { host: 0, srflx: 0, prflx: 0, relay: 0 }, errors: [], done: false, connected: false };
  }

  /** The candidate type from a candidate line ("... typ srflx ..."), for browsers without RTCIceCandidate.type. */
  function typeFromSdp(line) {
    var m = / typ (\w+)/.exec(line || '');
    return m ? m[1] : '';
  }

  /**
   * The selected candidate pair of a getStats() report (transport.selectedCandidatePairId, else the nominated
   * succeeded pair) as { candidateType, path }, candidateType being the local candidate's; null while none is.
   */
  EmsPlayer.readPath = function (report) {
    var pairId = null, pairs = {}, locals = {}, remotes = {};
    report.forEach(function (s) {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      else if (s.type === 'candidate-pair') pairs[s.id] = s;
      else if (s.type === 'local-candidate') locals[s.id] = s;
      else if (s.type === 'remote-candidate') remotes[s.id] = s;
    });
    if (!pairId || !pairs[pairId]) {
      pairId = null;
      for (var id in pairs) if ((pairs[id].nominated || pairs[id].selected) && pairs[id].state === 'succeeded') pairId = id;
    }
    var pair = pairId && pairs[pairId];
    var local = pair && locals[pair.localCandidateId];
    if (!local) return null;
    return { candidateType: local.candidateType || '', path: EmsPlayer.describePath(pair, local, remotes[pair.remoteCandidateId]) };
  };

  /**
   * The path in plain words: "direct (host)", "direct (through NAT, srflx|prflx)" (the browser's side),
   * "via relay (TURN over UDP|TCP|TLS)" (the browser's own relay), "via the server's relay" (a relayed remote
   * candidate), with " over TCP" when the pair runs over TCP without a relay of ours.
   */
  EmsPlayer.describePath = function (pair, local, remote) {
    if (!local) return '';
    if (local.candidateType === 'relay') {
      return local.relayProtocol ? 'via relay (TURN over ' + String(local.relayProtocol).toUpperCase() + ')' : 'via relay (TURN)';
    }
    var type = local.candidateType, path;
    // A peer-reflexive or server-reflexive address on loopback is the kernel answering from 127.0.0.1 to a server on
    // this machine (a browser gathers no loopback candidate of its own): no NAT can sit on that path, so it is direct.
    if ((type === 'prflx' || type === 'srflx') && isLoopback(local.address || local.ip)) type = 'host';
    if (remote && remote.candidateType === 'relay') path = 'via the server\'s relay';
    else if (type === 'host') path = 'direct (host)';
    else if (type === 'srflx' || type === 'prflx') path = 'direct (through NAT, ' + type + ')';
    else path = type ? 'direct (' + type + ')' : 'direct';
    var protocol = (pair && pair.protocol) || local.protocol || (remote && remote.protocol);
    return protocol === 'tcp' ? path + ' over TCP' : path;
  };

  function isLoopback(address) { return /^(127\.|::1$|::ffff:127\.)/.test(address || ''); }

  function relayRefusedCredentials(ice) {
    for (var i = 0; i < ice.errors.length; i++) if (/^turns?:/i.test(ice.errors[i].url) && ice.errors[i].code === 401) return true;
    return false;
  }

  /**
   * Why ICE failed, from what this browser saw: whether it had connected (then the server stopped answering:
   * consent lost), whether it gathered a relay candidate, whether a TURN server was offered at all, and whether
   * any server-reflexive candidate came back (none although STUN or TURN was offered: UDP is blocked).
   */
  EmsPlayer.explainIceFailure = function (ice) {
    if (ice.connected) return 'lost the network path to the stream server: it stopped answering (ICE failed)';
    if (ice.gathered.relay > 0) return 'no route to the stream server, even through the relay (ICE failed)';
    var udp = '';
    if (ice.gathered.srflx > 0) udp = 'its UDP port is unreachable';
    else if (ice.stunOffered || ice.turnOffered) udp = 'UDP blocked';
    var relay = !ice.turnOffered ? 'no relay offered by the signalling server'
      : relayRefusedCredentials(ice) ? 'the relay refused its credentials' : 'no relay reachable';
    return 'no route to the stream server: ' + (udp ? udp + ' and ' : '') + relay + ' (ICE failed)';
  };

  /**
   * The local candidates gathered, counted per type ("host 2, srflx 0, relay 0"), and once gathering has ended
   * (or final is set) why a kind is missing: "no srflx: no STUN server reachable", "no relay: none offered", ...
   */
  EmsPlayer.describeGathering = function (ice, final) {
    var g = ice.gathered;
    var text = 'host ' + g.host + ', srflx ' + g.srflx + (g.prflx ? ', prflx ' + g.prflx : '') + ', relay ' + g.relay;
    if (!ice.done && !final) return text;
    var notes = [];
    if (!g.srflx) notes.push(ice.stunOffered || ice.turnOffered ? 'no srflx: no STUN server reachable' : 'no srflx: no STUN server offered');
    if (!g.relay) {
      notes.push(!ice.turnOffered ? 'no relay: none offered'
        : relayRefusedCredentials(ice) ? 'no relay: the relay refused its credentials' : 'no relay: no TURN server reachable');
    }
    return notes.length ? text + '; ' + notes.join('; ') : text;
  };

  global.EmsPlayer = EmsPlayer;
})(typeof window !== 'undefined' ? window : this);
