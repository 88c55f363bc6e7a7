// The seed tutorial's chat server (shared/seed/websockets-tutorial.md), kept as close to it as a
// benchmark allows. Differences, each on purpose:
//  - PORT from the environment and 127.0.0.1 only, so bench.sh can run every peer on one port.
//  - No console.log per received message: with stdout going to a file that is one synchronous
//    write per message, and the benchmark would measure logging instead of broadcasting.
//  - ws's optional native add-ons are switched off: `npm install ws` alone (the tutorial) does not
//    bring them; here they are present only because the uWS package depends on them.
process.env.WS_NO_BUFFER_UTIL = "1";
process.env.WS_NO_UTF_8_VALIDATE = "1";

const WebSocket = require("ws");

const port = Number(process.env.PORT || 8080);

// Create a WebSocket server
const wss = new WebSocket.Server({ host: "127.0.0.1", port });

console.log(`WebSocket server is running on ws://127.0.0.1:${port}`);

// Handle client connections
wss.on("connection", (ws) => {
  // Send a welcome message to the client
  ws.send(JSON.stringify({ type: "welcome", message: "Welcome to the chat!" }));

  // Handle incoming messages from the client
  ws.on("message", (message) => {
    // Broadcast the message to all connected clients
    wss.clients.forEach((client) => {
      if (client.readyState === WebSocket.OPEN) {
        client.send(message);
      }
    });
  });
});
