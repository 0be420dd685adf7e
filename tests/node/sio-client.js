// Drives the real socket.io-client@0.9.16 for the interop tests.
// Usage: node sio-client.js <url>
// stdout: one JSON object per line: {"ev":"connect","id":...}, {"ev":"stunservers","data":...},
//         {"ev":"ack","name":"join","args":[...]}, {"ev":"message","data":...}, {"ev":"remove","data":...}, ...
// stdin:  one JSON command per line: {"cmd":"join","room":"r","opts":{...}}, {"cmd":"message","msg":{...}},
//         {"cmd":"emit","name":"emsLoad","arg":{...}} (acked: {"ev":"ack","name":"emsLoad"}), {"cmd":"leave"},
//         {"cmd":"disconnect"}, {"cmd":"exit"}
'use strict';
var io = require('socket.io-client');
var readline = require('readline');

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

var socket = io.connect(process.argv[2], { 'force new connection': true, 'reconnect': false });
socket.on('connect', function () { out({ ev: 'connect', id: socket.socket.sessionid }); });
socket.on('error', function (e) { out({ ev: 'error', data: String(e) }); });
socket.on('connect_failed', function () { out({ ev: 'connect_failed' }); });
socket.on('disconnect', function (reason) { out({ ev: 'disconnect', data: String(reason) }); });
['stunservers', 'turnservers', 'message', 'remove', 'clientJoined'].forEach(function (name) {
  socket.on(name, function (data) { out({ ev: name, data: data }); });
});

readline.createInterface({ input: process.stdin }).on('line', function (line) {
  var c = JSON.parse(line);
  switch (c.cmd) {
    case 'join':
      socket.emit('join', c.room, c.opts, function () { out({ ev: 'ack', name: 'join', args: Array.prototype.slice.call(arguments) }); });
      break;
    case 'message': socket.emit('message', c.msg); break;
    case 'emit':
      socket.emit(c.name, c.arg, function () { out({ ev: 'ack', name: c.name }); });
      break;
    case 'leave': socket.emit('leave'); break;
    case 'disconnect': socket.disconnect(); break;
    case 'exit': process.exit(0); break;
  }
});
process.stdin.on('end', function () { process.exit(0); });
