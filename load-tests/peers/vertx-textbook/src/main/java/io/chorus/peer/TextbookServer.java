package io.chorus.peer;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * The naive Vert.x broadcast server: one event-bus consumer per socket, {@code publish} on every
 * received message. Every message therefore costs one event-bus delivery per socket, and in a
 * cluster every socket's registration would be replicated: the design Chorus replaces with one
 * consumer per (event loop, room) and a frame encoded once.
 */
public final class TextbookServer extends VerticleBase {
    private static final String ADDRESS = "chat";
    private static final String WELCOME = "{\"type\":\"welcome\",\"message\":\"Welcome to the chat!\"}";

    private final int port;

    private TextbookServer(int port) {
        this.port = port;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        vertx.deployVerticle(new TextbookServer(port))
                .onSuccess(id -> System.out.println("Vert.x textbook server on ws://127.0.0.1:" + port
                        + " (native transport: " + vertx.isNativeTransportEnabled() + ")"))
                .onFailure(e -> {
                    System.err.println("cannot start: " + e.getMessage());
                    System.exit(1);
                });
    }

    @Override
    public Future<?> start() {
        return vertx.createHttpServer()
                .webSocketHandler(this::onSocket)
                .requestHandler(this::onRequest)
                .listen(port, "127.0.0.1");
    }

    private void onSocket(ServerWebSocket ws) {
        MessageConsumer<String> consumer = vertx.eventBus().consumer(ADDRESS, m -> ws.writeTextMessage(m.body()));
        consumer.completion().onSuccess(v -> ws.writeTextMessage(WELCOME));
        ws.textMessageHandler(text -> vertx.eventBus().publish(ADDRESS, text));
        ws.closeHandler(v -> consumer.unregister());
    }

    /**
     * GET /metrics answers the two JVM gauges bench.sh reads, named as Micrometer names them, so
     * this peer's heap and direct memory per connection are read the same way as Chorus's.
     */
    private void onRequest(HttpServerRequest req) {
        if (!"/metrics".equals(req.path())) {
            req.response().setStatusCode(404).end();
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sb.append("jvm_memory_used_bytes{area=\"heap\",id=\"").append(pool.getName()).append("\"} ")
                        .append(pool.getUsage().getUsed()).append('\n');
            }
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            sb.append("jvm_buffer_memory_used_bytes{id=\"").append(pool.getName()).append("\"} ")
                    .append(pool.getMemoryUsed()).append('\n');
        }
        req.response().putHeader("content-type", "text/plain; version=0.0.4").end(sb.toString());
    }
}
