package dev.spool.server.edge;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * The read deadline of a request body ({@code body-timeout-ms}): in every period of that length
 * the body must advance by at least {@link #MIN_BYTES_PER_PERIOD} bytes or end. A client sending
 * one small chunk every 30 s is cut off after one period; a large upload on a slow but working
 * link (above 64 KiB per period) is not.
 *
 * <p>Uses one Vert.x timer per body being read, on the request's event loop; {@link #cancel()}
 * when the body ended or was refused.
 */
public final class BodyDeadline {
    /** Least progress per period. */
    public static final long MIN_BYTES_PER_PERIOD = 64 * 1024;

    private final Vertx vertx;
    private final long timer;
    private long mark;

    private BodyDeadline(Vertx vertx, HttpServerRequest req, long periodMs, Runnable onTooSlow) {
        this.vertx = vertx;
        this.mark = req.bytesRead();
        long[] id = new long[1];
        id[0] = periodMs <= 0 ? -1 : vertx.setPeriodic(periodMs, t -> {
            if (req.isEnded()) {
                vertx.cancelTimer(t);
                return;
            }
            long read = req.bytesRead();
            if (read - mark < MIN_BYTES_PER_PERIOD) {
                vertx.cancelTimer(t);
                onTooSlow.run();
                return;
            }
            mark = read;
        });
        this.timer = id[0];
    }

    /**
     * Starts watching a body.
     *
     * @param vertx the Vert.x instance (timers run on the caller's context)
     * @param req the request whose body is being read
     * @param periodMs {@code body-timeout-ms}; 0 for no deadline
     * @param onTooSlow what to do when a period brought too little (refuse and close)
     * @return the watch, to cancel when the body ends
     */
    public static BodyDeadline watch(Vertx vertx, HttpServerRequest req, long periodMs, Runnable onTooSlow) {
        return new BodyDeadline(vertx, req, periodMs, onTooSlow);
    }

    /** Stops watching. */
    public void cancel() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
