package dev.spool.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.ConnectionEdge;

/**
 * Where every request enters, before the router: marks the request head's deadline met, refuses
 * an HTTP/1.x request without a usable {@code Host} (400, the router would fail it with a 500),
 * and applies back-pressure to clients that do not read their replies: while the connection's
 * write queue is full, the next request is not started and the connection is not read (a pipelining
 * client that never reads holds at most one reply beyond the socket buffers). An HTTP/2 stream past
 * {@code max-http2-streams} open on its connection is refused with {@code RST_STREAM REFUSED_STREAM}
 * ({@link Gate} counts it closed when its exchange ends).
 */
final class Entry implements Handler<HttpServerRequest> {
    /** HTTP/2 error code REFUSED_STREAM: the client may retry the request. */
    private static final long REFUSED_STREAM = 7;

    private final Router router;
    private final int maxStreams;

    Entry(Router router, int maxStreams) {
        this.router = router;
        this.maxStreams = maxStreams;
    }

    @Override
    public void handle(HttpServerRequest req) {
        ConnectionEdge.headArrived(req.connection());
        if (req.version() != HttpVersion.HTTP_2 && !hasHost(req)) {
            HttpServerResponse resp = req.response();
            resp.putHeader("Connection", "close");
            Errors.send(resp, new SpoolException(ErrorCode.BAD_REQUEST, "missing or malformed Host header"))
                    .onComplete(v -> req.connection().close());
            return;
        }
        HttpServerResponse resp = req.response();
        if (req.version() == HttpVersion.HTTP_2 && !ConnectionEdge.openStream(req.connection(), maxStreams)) {
            resp.reset(REFUSED_STREAM);
            return;
        }
        if (resp.writeQueueFull()) {
            req.pause();
            resp.drainHandler(v -> {
                // the drain also comes when the client goes away: nothing to serve then
                if (!resp.closed()) {
                    router.handle(req);
                }
            });
            return;
        }
        router.handle(req);
    }

    private static boolean hasHost(HttpServerRequest req) {
        try {
            HostAndPort a = req.authority();
            return a != null && !a.host().isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
