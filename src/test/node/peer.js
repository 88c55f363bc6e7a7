// A WebSocket peer for the integration tests, on the npm ws client: each line on stdin is a text message to send;
// what happens is printed one event a line: "open <extensions>", "text <message>", "close <code> <reason>".
// Usage: node peer.js <url> [deflate]   (deflate: offer permessage-deflate and compress every message sent)
'use strict';
const readline = require('node:readline');
const WebSocket = require('ws');

const [url, mode] = process.argv.slice(2);
const perMessageDeflate = mode === 'deflate' ? { threshold: 0 } : false;
const socket = new WebSocket(url, { perMessageDeflate });

socket.on('open', () => {
  console.log(`open ${socket.extensions || '-'}`);
  readline.createInterface({ input: process.stdin }).on('line', line => socket.send(line));
});
socket.on('message', (data, binary) => console.log(`${binary ? 'binary' : 'text'} ${data.toString()}`));
socket.on('close', (code, reason) => {
  console.log(`close ${code} ${reason.toString()}`);
  process.exit(0);
});
socket.on('error', error => console.log(`error ${error.message}`));
