package dev.spool.client;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * One {@code /v1/stream} WebSocket: sends request frames with a {@code req} number and completes
 * the matching future when the reply comes (replies may come in any order), and passes message
 * frames, subscription errors and the reports of settles sent without {@code req} to a
 * {@link Listener}. Thread-safe.
 *
 * <p>Frames are written as binary WebSocket messages holding UTF-8 JSON (the server parses text
 * and binary frames alike from their bytes), so a request goes from the JSON generator's buffer to
 * the socket without a detour through a {@code String}. A request that fails because the socket
 * was lost fails with an {@code unavailable} error that has a cause ({@link #isLost}); errors sent
 * by the server have none.
 */
final class StreamSocket {
    private static final Logger LOG = LoggerFactory.getLogger(StreamSocket.class);

    /** Receives what the server sends outside replies. Called on the socket's event loop. */
    interface Listener {
        void onMessages(StreamSocket socket, List<Delivery> messages);

        void onSubscriptionEnded(StreamSocket socket, String sub, SpoolException error);

        void onClosed(StreamSocket socket);

        /**
         * An {@code ack}, {@code nack} or {@code extend} sent without {@code req} was not applied to
         * some receipts: {@code results} lists only those ({@code receipt}, {@code status}).
         */
        default void onNotApplied(StreamSocket socket, SpoolException error, JsonNode results) {
            LOG.warn("stream settle failed: {} {}", error.code().id(), error.getMessage());
        }
    }

    private static final String MESSAGES_FRAME = "{\"op\":\"messages\"";

    private final WebSocket ws;
    private final Listener listener;
    private final AtomicLong nextReq = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private StreamSocket(WebSocket ws, Listener listener) {
        this.ws = ws;
        this.listener = listener;
    }

    static CompletableFuture<StreamSocket> open(Transport t, Listener listener) {
        return t.openStream().thenApply(ws -> {
            StreamSocket s = new StreamSocket(ws, listener);
            ws.textMessageHandler(s::onFrame);
            ws.closeHandler(v -> s.onClose());
            ws.exceptionHandler(e -> {
                LOG.debug("stream socket failed", e);
                ws.close();
            });
            return s;
        });
    }

    boolean isOpen() {
        return !closed;
    }

    /** Sends a request frame and returns its {@code ok} reply (or fails with the error reply). */
    CompletableFuture<JsonNode> request(String op, JsonCodec.Writer fields) {
        long req = nextReq.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(req, f);
        Buffer frame = JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("op", op);
            g.writeNumberField("req", req);
            fields.write(g);
            g.writeEndObject();
        });
        if (closed) {
            fail(req, "stream closed");
            return f;
        }
        ws.writeBinaryMessage(frame).onFailure(e -> fail(req, "stream write failed: " + e.getMessage()));
        return f;
    }

    /**
     * Sends a frame that expects no reply on success.
     *
     * @return false if the socket was closed already (nothing sent)
     */
    boolean fire(String op, JsonCodec.Writer fields) {
        if (closed) {
            return false;
        }
        ws.writeBinaryMessage(JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("op", op);
            fields.write(g);
            g.writeEndObject();
        }));
        return true;
    }

    /** Futures of requests not answered yet. */
    CompletableFuture<?>[] pendingReplies() {
        return pending.values().toArray(new CompletableFuture<?>[0]);
    }

    void close() {
        if (!closed) {
            ws.close();
        }
    }

    /** Whether a request failed because its socket was lost (not because the server refused it). */
    static boolean isLost(Throwable t) {
        return SpoolClient.unwrap(t) instanceof SpoolException se && se.code() == ErrorCode.UNAVAILABLE
                && se.getCause() instanceof SocketLost;
    }

    /** The cause of a request failed by the loss of its socket. */
    private static final class SocketLost extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        SocketLost(String message) {
            super(message);
        }
    }

    private void fail(long req, String message) {
        CompletableFuture<JsonNode> f = pending.remove(req);
        if (f != null) {
            f.completeExceptionally(SpoolException.unavailable(message, new SocketLost(message)));
        }
    }

    private void onFrame(String text) {
        if (text.startsWith(MESSAGES_FRAME)) {
            // the hot path: read deliveries straight from the parser (the server writes op first)
            List<Delivery> ds;
            try {
                ds = DeliveryReader.document(JsonCodec.MAPPER.getFactory(), text);
            } catch (SpoolException e) {
                LOG.warn("bad messages frame; closing the socket: {}", e.getMessage());
                ws.close();
                return;
            }
            listener.onMessages(this, ds);
            return;
        }
        JsonNode n;
        try {
            n = JsonCodec.read(text);
        } catch (SpoolException e) {
            LOG.warn("stream frame is not JSON; closing the socket");
            ws.close();
            return;
        }
        String op = n.path("op").asText();
        JsonNode req = n.get("req");
        switch (op) {
            case "messages" -> listener.onMessages(this, JsonCodec.deliveries(n.path("messages")));
            case "ok" -> complete(req, n, null);
            case "error" -> {
                SpoolException e = JsonCodec.fromWire(n.path("error"), OptionalLong.empty());
                if (req != null) {
                    complete(req, null, e);
                } else if (n.has("results")) {
                    listener.onNotApplied(this, e, n.path("results"));
                } else if (n.has("sub")) {
                    listener.onSubscriptionEnded(this, n.path("sub").asText(), e);
                } else {
                    LOG.warn("stream request failed: {} {}", e.code().id(), e.getMessage());
                }
            }
            default -> LOG.debug("ignoring stream frame op '{}'", op);
        }
    }

    private void complete(JsonNode req, JsonNode ok, SpoolException e) {
        CompletableFuture<JsonNode> f = req == null ? null : pending.remove(req.asLong());
        if (f == null) {
            return;
        }
        if (e != null) {
            f.completeExceptionally(e);
        } else {
            f.complete(ok);
        }
    }

    private void onClose() {
        closed = true;
        for (Long req : pending.keySet()) {
            fail(req, "stream closed before the reply");
        }
        listener.onClosed(this);
    }
}
