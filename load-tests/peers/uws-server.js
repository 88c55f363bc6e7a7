// uWebSockets.js pub/sub broadcast peer. The official uWebSockets.js is not published on the npm
// registry; @trufflesuite/uws-js-unofficial is a registry copy of uWS.js v20.30.0 with prebuilt
// addons for Node 16/18/20 (ABI 93/108/115). Its loader silently falls back to a pure-JS `ws`
// emulation when the addon does not load, which would make this peer a second `ws` server; so
// the addon is loaded directly and, if it is missing, the peer exits with code 3 (bench.sh skips it).
const path = require("node:path");

const abi = process.versions.modules;
let uWS;
try {
  const pkg = path.dirname(require.resolve("@trufflesuite/uws-js-unofficial/package.json"));
  uWS = require(path.join(pkg, "binaries", `uws_${process.platform}_${process.arch}_${abi}.node`));
} catch (e) {
  console.error(`uws: no native uWebSockets.js addon for Node ABI ${abi} on ${process.platform}-${process.arch}: ${e.message}`);
  process.exit(3);
}

const port = Number(process.env.PORT || 8080);
// COMPRESSION=shared: permessage-deflate with one compressor shared by every socket (uWS.SHARED_COMPRESSOR, no
// context takeover), each published message compressed once for all its subscribers, as Chorus's --compression does.
const shared = process.env.COMPRESSION === "shared";
const welcome = JSON.stringify({ type: "welcome", message: "Welcome to the chat!" });

const app = uWS.App().ws("/*", {
  // Defaults except two: no idle timeout (the idle-connections scenario holds sockets silent), and
  // 1 MiB instead of 64 KiB of send buffer per socket. ws and Socket.IO buffer without limit,
  // while uWS silently skips a subscriber above the limit, which the generator would count as loss.
  idleTimeout: 0,
  maxBackpressure: 1024 * 1024,
  compression: shared ? uWS.SHARED_COMPRESSOR : uWS.DISABLED,
  open: (ws) => {
    ws.subscribe("chat");
    ws.send(welcome, false, shared);
  },
  message: (ws, message, isBinary) => {
    // app.publish (not ws.publish) includes the sender, like the other peers.
    app.publish("chat", message, isBinary, shared);
  },
});

app.listen("127.0.0.1", port, (token) => {
  if (!token) {
    console.error(`uws: cannot listen on 127.0.0.1:${port}`);
    process.exit(1);
  }
  console.log(`uWebSockets.js server is running on ws://127.0.0.1:${port}${shared ? " (shared compressor)" : ""}`);
});
