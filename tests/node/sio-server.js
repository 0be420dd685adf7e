// A room relay on the real socket.io@0.9.19 server, speaking PROTOCOL.md §3.2, for the interop tests.
// Usage: node sio-server.js   -> prints {"ev":"listening","port":N} then one JSON line per join/message/emsLoad.
// Exits when stdin closes.
'use strict';
var http = require('http').createServer();
var io = require('socket.io').listen(http, { 'log level': 0 });
io.set('transports', ['websocket']);

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

var rooms = {}; // name -> { ems: id|null, browsers: {id: true} }

io.sockets.on('connection', function (socket) {
  socket.emit('stunservers', [{ url: 'stun:127.0.0.1:3478' }]);
  socket.emit('turnservers', []);
  socket.on('join', function (name, opts, cb) {
    opts = opts || {};
    var room = rooms[name] || (rooms[name] = { ems: null, browsers: {} });
    var clients = {};
    if (opts.role === 'ems') {
      if (room.ems) { out({ ev: 'refused', id: socket.id }); return cb && cb('room taken', { clients: {} }); }
      room.ems = socket.id;
    } else {
      room.browsers[socket.id] = true;
      if (room.ems) {
        clients[room.ems] = { ems: true };
        io.sockets.socket(room.ems).emit('clientJoined', { id: socket.id, streamName: opts.streamName, transport: opts.transport });
      }
    }
    socket.room = name;
    out({ ev: 'join', id: socket.id, room: name, role: opts.role || 'browser', instance: opts.instance || null });
    if (cb) cb(null, { clients: clients });
  });
  // Ours (issue 17): an EMS member's load report, printed as received.
  socket.on('emsLoad', function (load) { out({ ev: 'emsLoad', id: socket.id, load: load }); });
  socket.on('message', function (msg) {
    var room = rooms[socket.room];
    if (!room || !msg || !(msg.to === room.ems || room.browsers[msg.to])) return;
    msg.from = socket.id;
    out({ ev: 'message', from: socket.id, to: msg.to, type: msg.type });
    io.sockets.socket(msg.to).emit('message', msg);
  });
  function leave() {
    var room = rooms[socket.room];
    if (!room) return;
    if (room.ems === socket.id) room.ems = null; else delete room.browsers[socket.id];
    var members = Object.keys(room.browsers).concat(room.ems ? [room.ems] : []);
    members.forEach(function (id) { io.sockets.socket(id).emit('remove', { id: socket.id, type: 'video' }); });
    out({ ev: 'leave', id: socket.id });
    socket.room = null;
  }
  socket.on('leave', leave);
  socket.on('disconnect', leave);
});

http.listen(0, '127.0.0.1', function () { out({ ev: 'listening', port: http.address().port }); });
process.stdin.resume();
process.stdin.on('end', function () { process.exit(0); });
