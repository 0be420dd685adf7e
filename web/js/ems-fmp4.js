/*
 * ems-fmp4.js - plays the EmsSharp / EvoStream fMP4 packet stream (PROTOCOL.md section 4.2) with
 * Media Source Extensions. Dependency-free plain script: include it with <script src> and use
 * window.EmsFmp4Player (also exported through module.exports when present).
 *
 *   var player = new EmsFmp4Player(videoElement, { onError: function (err) {}, liveTarget: 0.15, maxLatency: 1.0 });
 *   ws.binaryType = "arraybuffer";   // (RTCDataChannel too) - Blob chunks are not accepted
 *   ws.onmessage = function (e) { player.push(e.data); };   // ArrayBuffer / typed array chunks
 *   player.getStats();  player.close();
 *
 * Staying live: the latency is the media buffered ahead of playback (buffered end minus currentTime). A new viewer
 * starts at the GOP cache's keyframe, up to a GOP behind the live edge, and shows that frame at once; from then on the
 * player steers the latency to liveTarget (seconds, default 0.15): above it by more than 50 ms it plays faster (1 + the
 * excess in seconds, at most maxRate, default 1.5) and back at 1.0 once at the target; more than maxLatency (default
 * 1.0) behind, or after a stall (waiting) once media more than 50 ms past liveTarget is there, it seeks to
 * end - liveTarget. It steers only with every received fragment appended, so a burst is judged whole. getStats() counts
 * the seeks (liveEdgeJumps) and the rate changes (rateChanges) and gives the current playbackRate.
 *
 * Framing: packets [type:1][size:3, big-endian][payload]. A chunk may hold several packets and a
 * packet may span chunks. 250 HEADER_MOOV = flags byte (high nibble 0xF: 3 AVC bytes profile_idc,
 * constraints, level_idc follow; low nibble track mask 1 video, 2 audio, 3 both) + ftyp + moov; only
 * the first one is used. A fragment is 249 BEGIN, then 251 moof, 254 mdat header, 252 video,
 * 253 audio (parts of one type are concatenated, whatever their order), then 255 END, which appends
 * moof + mdat header + video + audio. Fragment packets without a BEGIN are dropped.
 */
(function (root) {
  'use strict';

  var BEGIN = 249, MOOV = 250, MOOF = 251, VIDEO = 252, AUDIO = 253, MDAT = 254, END = 255;
  var MAX_PACKET = 0xFFFFFF;
  var MAX_QUEUE = 300;
  // Catching up starts this far (seconds) above liveTarget, so one frame of jitter does not flip the rate; it ends at it.
  var RATE_MARGIN = 0.05;
  var HAVE_FUTURE_DATA = 3;

  function hex2(b) { return (b < 16 ? '0' : '') + b.toString(16).toUpperCase(); }

  function toBytes(chunk) {
    if (chunk instanceof Uint8Array) { return chunk; }
    if (chunk instanceof ArrayBuffer) { return new Uint8Array(chunk); }
    if (ArrayBuffer.isView(chunk)) { return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength); }
    throw new TypeError('push expects an ArrayBuffer or a typed array');
  }

  function concat(parts, total) {
    var out = new Uint8Array(total), pos = 0;
    for (var i = 0; i < parts.length; i++) { out.set(parts[i], pos); pos += parts[i].length; }
    return out;
  }

  function u32(b, i) { return ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3]; }

  function type4(b, i) { return String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]); }

  // Finds the body of the first box of a given type by walking the containers on the way (ISO/IEC 14496-12).
  var CONTAINERS = { moov: 8, trak: 8, mdia: 8, minf: 8, stbl: 8, stsd: 16, avc1: 86, mp4a: 36, Opus: 36 };
  function findBox(b, start, end, wanted) {
    var i = start;
    while (i + 8 <= end) {
      var size = u32(b, i), type = type4(b, i + 4);
      if (size < 8 || i + size > end) { return null; }
      if (type === wanted) { return { start: i + 8, end: i + size }; }
      if (CONTAINERS[type] !== undefined) {
        var found = findBox(b, i + CONTAINERS[type], i + size, wanted);
        if (found) { return found; }
      }
      i += size;
    }
    return null;
  }

  // esds body: version/flags then descriptors; the AudioSpecificConfig is DecoderSpecificInfo (tag 5).
  function aacObjectType(b, box) {
    for (var i = box.start + 4; i < box.end - 2; i++) {
      if (b[i] === 0x05) {
        var j = i + 1, len = 0, n = 0;
        while (j < box.end && n < 4) { len = (len << 7) | (b[j] & 0x7F); n++; if ((b[j++] & 0x80) === 0) { break; } }
        if (len >= 2 && j < box.end) { return b[j] >> 3 === 31 ? 32 + (((b[j] & 7) << 3) | (b[j + 1] >> 5)) : b[j] >> 3; }
      }
    }
    return 2;
  }

  function EmsFmp4Player(video, options) {
    if (!(this instanceof EmsFmp4Player)) { return new EmsFmp4Player(video, options); }
    options = options || {};
    this.video = video;
    this.onError = options.onError || null;
    this.maxLatency = options.maxLatency !== undefined ? options.maxLatency : 1.0;
    this.liveTarget = options.liveTarget !== undefined ? options.liveTarget : 0.15;
    this.maxRate = options.maxRate !== undefined ? options.maxRate : 1.5;
    this.keepBehind = options.keepBehind !== undefined ? options.keepBehind : 10;
    this.stats = {
      packets: 0, bytes: 0, fragmentsReceived: 0, fragmentsAppended: 0, droppedPackets: 0,
      droppedFragments: 0, liveEdgeJumps: 0, rateChanges: 0, errors: 0, lastError: null, mime: null
    };
    this._header = new Uint8Array(4);
    this._headerLength = 0;
    this._payload = null;
    this._payloadLength = 0;
    this._inFragment = false;
    this._parts = null;
    this._init = null;
    this._queue = [];
    this._sourceBuffer = null;
    this._closed = false;
    this._started = false;
    this._stalled = false;
    this._mediaSource = new MediaSource();
    var self = this;
    this._onSourceOpen = function () { self._setup(); };
    this._onPlaying = function () { self._started = true; };
    // A seek of ours also fires 'waiting': only a stall while playing counts.
    this._onStall = function () { if (self._started && !video.seeking) { self._stalled = true; self._steer(); } };
    this._mediaSource.addEventListener('sourceopen', this._onSourceOpen);
    video.addEventListener('playing', this._onPlaying);
    video.addEventListener('waiting', this._onStall);
    video.addEventListener('stalled', this._onStall);
    this._objectUrl = URL.createObjectURL(this._mediaSource);
    video.src = this._objectUrl;
  }

  EmsFmp4Player.prototype.push = function (chunk) {
    if (this._closed) { return; }
    var b = toBytes(chunk), i = 0;
    this.stats.bytes += b.length;
    while (i < b.length) {
      if (this._payload === null) {
        while (this._headerLength < 4 && i < b.length) { this._header[this._headerLength++] = b[i++]; }
        if (this._headerLength < 4) { return; }
        var size = (this._header[1] << 16) | (this._header[2] << 8) | this._header[3];
        if (this._header[0] < BEGIN || size > MAX_PACKET) {
          this._fail(new Error('malformed packet type ' + this._header[0]));
          return;
        }
        this._payload = new Uint8Array(size);
        this._payloadLength = 0;
      }
      var take = Math.min(this._payload.length - this._payloadLength, b.length - i);
      this._payload.set(b.subarray(i, i + take), this._payloadLength);
      this._payloadLength += take;
      i += take;
      if (this._payloadLength === this._payload.length) {
        var type = this._header[0], payload = this._payload;
        this._payload = null;
        this._headerLength = 0;
        this._packet(type, payload);
      }
    }
  };

  EmsFmp4Player.prototype._packet = function (type, payload) {
    this.stats.packets++;
    if (type === MOOV) {
      if (this._init === null) { this._moov(payload); }
      return;
    }
    if (type === BEGIN) {
      this._inFragment = true;
      this._parts = { moof: [], mdat: [], video: [], audio: [], length: 0 };
      return;
    }
    if (!this._inFragment) { this.stats.droppedPackets++; return; }
    var p = this._parts;
    if (type === END) {
      this._inFragment = false;
      this.stats.fragmentsReceived++;
      var all = p.moof.concat(p.mdat, p.video, p.audio);
      this._enqueue(concat(all, p.length));
      return;
    }
    var list = type === MOOF ? p.moof : type === MDAT ? p.mdat : type === VIDEO ? p.video : p.audio;
    list.push(payload);
    p.length += payload.length;
  };

  EmsFmp4Player.prototype._moov = function (payload) {
    if (payload.length < 9) { this._fail(new Error('HEADER_MOOV too short')); return; }
    var flags = payload[0], skip = (flags & 0xF0) === 0xF0 ? 4 : 1, mask = flags & 0x0F;
    var init = payload.subarray(skip);
    var codecs = [];
    if (mask & 1) {
      var p = skip === 4 ? [payload[1], payload[2], payload[3]] : null;
      var avcC = findBox(init, 0, init.length, 'avcC');
      if ((!p || (p[0] | p[1] | p[2]) === 0) && avcC) { p = [init[avcC.start + 1], init[avcC.start + 2], init[avcC.start + 3]]; }
      if (!p) { this._fail(new Error('no AVC profile in HEADER_MOOV')); return; }
      codecs.push('avc1.' + hex2(p[0]) + hex2(p[1]) + hex2(p[2]));
    }
    if (mask & 2) {
      // Opus: the 'Opus' sample entry with its 'dOps' box ("Encapsulation of Opus in ISO Base Media File Format" §4.3),
      // which MSE names 'opus'; else AAC, mp4a.40.<object type> from the esds.
      if (findBox(init, 0, init.length, 'dOps')) { codecs.push('opus'); }
      else {
        var esds = findBox(init, 0, init.length, 'esds');
        codecs.push('mp4a.40.' + (esds ? aacObjectType(init, esds) : 2));
      }
    }
    if (codecs.length === 0) { this._fail(new Error('HEADER_MOOV announces no track')); return; }
    this.stats.mime = ((mask & 1) ? 'video' : 'audio') + '/mp4; codecs="' + codecs.join(',') + '"';
    this._init = new Uint8Array(init);
    this._setup();
  };

  EmsFmp4Player.prototype._setup = function () {
    if (this._sourceBuffer || this._init === null || this._mediaSource.readyState !== 'open') { return; }
    var mime = this.stats.mime;
    if (!MediaSource.isTypeSupported(mime)) { this._fail(new Error('unsupported type ' + mime)); return; }
    var self = this;
    try {
      this._sourceBuffer = this._mediaSource.addSourceBuffer(mime);
      this._sourceBuffer.mode = 'segments';
    } catch (e) { this._fail(e); return; }
    this._sourceBuffer.addEventListener('updateend', function () { self._updateEnd(); });
    this._sourceBuffer.addEventListener('error', function () { self._fail(new Error('SourceBuffer error')); });
    this._queue.unshift(this._init);
    this._appendNext();
  };

  EmsFmp4Player.prototype._enqueue = function (fragment) {
    if (this._init === null) { this.stats.droppedFragments++; return; }
    if (this._queue.length >= MAX_QUEUE) { this._queue.splice(1, 1); this.stats.droppedFragments++; }
    this._queue.push(fragment);
    this._appendNext();
  };

  EmsFmp4Player.prototype._appendNext = function () {
    var sb = this._sourceBuffer;
    if (!sb || sb.updating || this._queue.length === 0 || this._closed) { return; }
    var next = this._queue.shift();
    try {
      sb.appendBuffer(next);
      if (next !== this._init) { this.stats.fragmentsAppended++; }
    } catch (e) {
      if (e && e.name === 'QuotaExceededError') { this._queue.unshift(next); this._trim(true); return; }
      this._fail(e);
    }
  };

  EmsFmp4Player.prototype._updateEnd = function () {
    var v = this.video;
    if (this._sourceBuffer.buffered.length > 0) {
      this._steer();
      if (v.paused) {
        var played = v.play();
        if (played && played.catch) { played.catch(function () { /* autoplay may need a gesture */ }); }
      }
    }
    if (!this._trim(false)) { this._appendNext(); }
  };

  // Keeps playback near the live edge (see the header): before the first frame only starts inside the buffered media,
  // at its keyframe; then, once every fragment received is appended (the live edge is known), seeks when far behind or
  // when a stall (waiting) is followed by media to play, and otherwise sets the playback rate. A stall stays pending
  // until it is answered by a seek or playback goes on with all received media appended.
  EmsFmp4Player.prototype._steer = function () {
    var v = this.video, b = this._sourceBuffer ? this._sourceBuffer.buffered : null;
    if (this._closed || !b || b.length === 0 || v.seeking) { return; }
    var end = b.end(b.length - 1), latency = end - v.currentTime;
    if (!this._started) {
      if (v.currentTime < b.start(0)) { v.currentTime = b.start(0); }
      return;
    }
    if (this._queue.length > 0) { return; }
    var excess = latency - this.liveTarget;
    if (latency > this.maxLatency || (this._stalled && excess > RATE_MARGIN)) {
      this._stalled = false;
      this._setRate(1);
      v.currentTime = Math.max(b.start(0), end - this.liveTarget);
      this.stats.liveEdgeJumps++;
      return;
    }
    if (v.readyState < HAVE_FUTURE_DATA) { return; }
    this._stalled = false;
    var wanted = Math.min(this.maxRate, Math.round((1 + excess) * 20) / 20);
    if (excess <= 0) { this._setRate(1); } else if (excess > RATE_MARGIN && wanted > v.playbackRate) { this._setRate(wanted); }
  };

  EmsFmp4Player.prototype._setRate = function (rate) {
    if (this.video.playbackRate === rate) { return; }
    this.video.playbackRate = rate;
    this.stats.rateChanges++;
  };

  // Removes media older than keepBehind seconds; returns true when a removal is running.
  EmsFmp4Player.prototype._trim = function (force) {
    var sb = this._sourceBuffer, b = sb.buffered;
    if (sb.updating || b.length === 0) { return false; }
    var cut = this.video.currentTime - this.keepBehind;
    if (b.start(0) < cut - (force ? 0 : this.keepBehind)) {
      try { sb.remove(b.start(0), cut); return true; } catch (e) { this._fail(e); }
    }
    return false;
  };

  EmsFmp4Player.prototype._fail = function (err) {
    this.stats.errors++;
    this.stats.lastError = String(err && err.message ? err.message : err);
    if (this.onError) { try { this.onError(err); } catch (ignored) { /* the callback's own problem */ } }
  };

  /** Counters plus the buffered range, playback position and rate, and latency to the live edge (seconds). */
  EmsFmp4Player.prototype.getStats = function () {
    var s = {}, k;
    for (k in this.stats) { if (Object.prototype.hasOwnProperty.call(this.stats, k)) { s[k] = this.stats[k]; } }
    var b = this._sourceBuffer ? this._sourceBuffer.buffered : null;
    s.queued = this._queue.length;
    s.currentTime = this.video.currentTime;
    s.playbackRate = this.video.playbackRate;
    s.bufferedStart = b && b.length ? b.start(0) : null;
    s.bufferedEnd = b && b.length ? b.end(b.length - 1) : null;
    s.latency = b && b.length ? b.end(b.length - 1) - this.video.currentTime : null;
    return s;
  };

  /** Stops playback and releases the MediaSource. */
  EmsFmp4Player.prototype.close = function () {
    if (this._closed) { return; }
    this._closed = true;
    this._queue.length = 0;
    this._mediaSource.removeEventListener('sourceopen', this._onSourceOpen);
    this.video.removeEventListener('playing', this._onPlaying);
    this.video.removeEventListener('waiting', this._onStall);
    this.video.removeEventListener('stalled', this._onStall);
    this.video.playbackRate = 1;
    try { if (this._mediaSource.readyState === 'open') { this._mediaSource.endOfStream(); } } catch (ignored) { /* closing */ }
    this.video.removeAttribute('src');
    this.video.load();
    URL.revokeObjectURL(this._objectUrl);
  };

  EmsFmp4Player.PacketType = { BEGIN: BEGIN, HEADER_MOOV: MOOV, HEADER_MOOF: MOOF, VIDEO_BUFFER: VIDEO,
    AUDIO_BUFFER: AUDIO, HEADER_MDAT: MDAT, END: END };

  root.EmsFmp4Player = EmsFmp4Player;
  if (typeof module === 'object' && module.exports) { module.exports = EmsFmp4Player; }
}(typeof window !== 'undefined' ? window : this));
