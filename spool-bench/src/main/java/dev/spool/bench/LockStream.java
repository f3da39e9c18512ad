package dev.spool.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * The lock frames of {@code spool bench locks --form stream}: one {@code /v1/stream} socket per
 * client, requests matched to their replies by {@code req}, replies read by {@link Frames} (no JSON
 * tree per reply). A lock cycle is one {@code tx} frame (acquire, {@code lock_state}, release); a
 * state read one {@code read_state} frame; a hand-off an {@code acquire} frame that waits and a
 * {@code release} frame.
 */
final class LockStream implements AutoCloseable {
    private static final int MAX_FRAME = 16 * 1024 * 1024;

    private final Vertx vertx;
    private final WebSocketClient client;
    private final String authorization;

    private LockStream(Vertx vertx, WebSocketClient client, String authorization) {
        this.vertx = vertx;
        this.client = client;
        this.authorization = authorization;
    }

    /** A socket factory for the server at {@code url}, with the run's token and CA file. */
    static LockStream open(URI url, CommonOptions o) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false)
                .setEventLoopPoolSize(Math.min(4, Runtime.getRuntime().availableProcessors())));
        WebSocketClient client = vertx.createWebSocketClient(BenchTls.client(new WebSocketClientOptions()
                .setDefaultHost(url.getHost()).setDefaultPort(url.getPort()).setMaxFrameSize(MAX_FRAME)
                .setMaxMessageSize(MAX_FRAME).setMaxConnections(100_000).setIdleTimeout(0), url, o));
        return new LockStream(vertx, client, BenchTls.authorization(o));
    }

    /** A new socket, connected. */
    Conn connect() {
        WebSocket ws = client.connect(BenchTls.auth(new WebSocketConnectOptions().setURI("/v1/stream"), authorization))
                .toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        return new Conn(ws);
    }

    @Override
    public void close() {
        client.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .exceptionally(e -> null).join();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .exceptionally(e -> null).join();
    }

    /** One socket. */
    static final class Conn {
        private final WebSocket ws;
        private final FrameRequests requests;
        /** A fragmented reply being joined (only the socket's event loop touches it). */
        private Buffer partial;

        private Conn(WebSocket ws) {
            this.ws = ws;
            this.requests = new FrameRequests(ws, r -> failure(r.error),
                    () -> new SpoolException(ErrorCode.UNAVAILABLE, "stream closed"));
            ws.frameHandler(this::onFrame);
        }

        /** One lock cycle in one {@code tx} frame, {@code frame} from {@link #cycleFrame}. */
        CompletableFuture<Frames.Frame> cycle(CycleFrame frame) {
            return requests.request(frame.json(), frame.attachment());
        }

        /** A {@code read_state} frame. */
        CompletableFuture<Frames.Frame> readState(String name) {
            return request("{\"op\":\"read_state\",\"lock\":\"" + name + "\"");
        }

        /** An {@code acquire} frame; the reply carries the lease id and token. */
        CompletableFuture<Frames.Frame> acquire(String name, String owner, long ttlMs, long waitMs) {
            return request("{\"op\":\"acquire\",\"lock\":\"" + name + "\",\"owner\":\"" + owner + "\",\"ttl_ms\":"
                    + ttlMs + ",\"wait_ms\":" + waitMs);
        }

        /** A {@code release} frame. */
        CompletableFuture<Frames.Frame> release(String name, String leaseId, long token) {
            return request("{\"op\":\"release\",\"lock\":\"" + name + "\",\"lease_id\":\"" + leaseId + "\",\"token\":"
                    + token);
        }

        private CompletableFuture<Frames.Frame> request(String frameWithoutEnd) {
            return requests.request(frameWithoutEnd);
        }

        /**
         * A reply, read from its bytes (no string of it is made). The server writes each reply as
         * one final frame; a fragmented one is joined first.
         */
        private void onFrame(WebSocketFrame frame) {
            if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
                return;
            }
            if (frame.isFinal() && !frame.isContinuation()) {
                reply(frame.binaryData());
                return;
            }
            if (!frame.isContinuation()) {
                partial = Buffer.buffer();
            }
            if (partial != null) {
                partial.appendBuffer(frame.binaryData());
                if (frame.isFinal()) {
                    Buffer whole = partial;
                    partial = null;
                    reply(whole);
                }
            }
        }

        private void reply(Buffer bytes) {
            CpuSplit.markLoad();
            requests.complete(Frames.parse(bytes.getBytes()));
        }

        /** The error frame as the exception the HTTP client would throw (code first, as Frames writes it). */
        private static SpoolException failure(String error) {
            String text = error == null ? "" : error;
            ErrorCode code = ErrorCode.INTERNAL;
            if (text.startsWith("code=")) {
                int end = text.indexOf(',');
                code = ErrorCode.fromId(text.substring(5, end < 0 ? text.length() : end));
            }
            return new SpoolException(code, "stream error " + text);
        }

        void close() {
            ws.close();
        }
    }

    /**
     * A lock cycle's {@code tx} frame: its JSON without the closing brace (its req is appended per
     * request), and the state document to attach, or null when the JSON holds it.
     */
    record CycleFrame(byte[] json, byte[] attachment) {
    }

    /**
     * The {@code tx} frame of a lock cycle: acquire, {@code lock_state} and release of {@code name}.
     * A JSON state goes as the JSON it is ({@code "payload"}), any other as the frame's attachment
     * ({@code payload_bytes}: no base64); made once per lock.
     */
    static CycleFrame cycleFrame(String name, String owner, long ttlMs, byte[] state, boolean json) {
        String head = "{\"op\":\"tx\",\"ops\":[{\"op\":\"acquire\",\"lock\":\"" + name + "\",\"owner\":\"" + owner
                + "\",\"ttl_ms\":" + ttlMs + "},{\"op\":\"lock_state\",\"lock\":\"" + name + "\",";
        String value = json ? "\"content_type\":\"application/json\",\"payload\":"
                : "\"content_type\":\"application/octet-stream\",\"payload_bytes\":" + state.length;
        String tail = "},{\"op\":\"release\",\"lock\":\"" + name + "\"}]";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(state.length + 256);
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        if (json) {
            out.writeBytes(state);
        }
        out.writeBytes(tail.getBytes(StandardCharsets.UTF_8));
        return new CycleFrame(out.toByteArray(), json ? null : state);
    }
}
