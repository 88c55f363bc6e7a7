// Socket.IO 4 broadcast peer: every "msg" event goes to every connected socket, sender included
// (io.emit), over the websocket transport only (the generator speaks Engine.IO v4 directly).
process.env.WS_NO_BUFFER_UTIL = "1";
process.env.WS_NO_UTF_8_VALIDATE = "1";

const { createServer } = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 8080);
const httpServer = createServer();
const io = new Server(httpServer, { transports: ["websocket"], serveClient: false });

io.on("connection", (socket) => {
  socket.emit("welcome", { type: "welcome", message: "Welcome to the chat!" });
  socket.on("msg", (data) => io.emit("msg", data));
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`Socket.IO server is running on ws://127.0.0.1:${port}/socket.io/`);
});
