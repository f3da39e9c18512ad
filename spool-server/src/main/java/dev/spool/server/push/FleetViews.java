package dev.spool.server.push;

import java.nio.charset.StandardCharsets;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.QueueStats;
import dev.spool.api.TaskResult;

/** The JSON documents of fleet progress and per-endpoint state. */
final class FleetViews {
    private FleetViews() {
    }

    /**
     * A fleet's progress from its group's counts: failed = dead, retrying = waiting for a backoff,
     * pending = ready now, delivered = the rest of the total (acked tasks).
     */
    static JsonObject progress(FleetSpec spec, QueueStats s) {
        long failed = s.dead();
        long left = s.ready() + s.delayed() + s.inFlight();
        long delivered = Math.max(0, spec.total() - left - failed);
        long done = delivered + failed;
        String state = left == 0 ? "done" : spec.canceled() ? "canceled" : "running";
        double percent = spec.total() == 0 ? 100 : Math.floor(done * 1000.0 / spec.total()) / 10;
        JsonObject counts = new JsonObject().put("total", spec.total()).put("delivered", delivered)
                .put("failed", failed).put("pending", spec.canceled() ? 0 : s.ready())
                .put("retrying", spec.canceled() ? 0 : s.delayed()).put("in_flight", s.inFlight())
                .put("canceled", spec.canceled() ? s.ready() + s.delayed() : 0);
        return new JsonObject().put("id", spec.id()).put("state", state).put("created_at", spec.createdAt())
                .put("percent", percent).put("counts", counts).put("config", spec.toPublic());
    }

    /**
     * One endpoint's state from its task's view. {@code next_attempt_at} (epoch ms) is set while the
     * endpoint waits out its backoff (the task is delayed), else null: a ready endpoint is tried as
     * soon as the fleet has a free slot.
     */
    static JsonObject endpoint(int index, MessageView v, boolean canceled) {
        String state = switch (v.state()) {
            case ACKED -> "delivered";
            case DEAD, EXPIRED -> "failed";
            case IN_FLIGHT -> "in_flight";
            case READY, DELAYED -> canceled ? "canceled" : v.attempts() == 0 ? "pending" : "retrying";
        };
        JsonObject o = new JsonObject().put("index", index).put("url", v.body().map(b -> new String(
                b.payload().toBytes(), StandardCharsets.UTF_8)).orElse(null)).put("state", state)
                .put("attempts", v.attempts())
                .put("next_attempt_at", v.state() == MessageState.DELAYED && !canceled ? v.availableAt() : null);
        JsonObject result = v.result().map(FleetViews::result).orElse(null);
        if (result != null) {
            o.put("last_status", result.getInteger("status")).put("latency_ms", result.getDouble("latency_ms"));
            if (o.getString("url") == null) {
                o.put("url", result.getString("url"));
            }
        } else {
            o.put("last_status", v.lastError().map(FleetViews::statusOf).orElse(null));
        }
        return o.put("last_error", v.lastError().orElse(null));
    }

    private static JsonObject result(TaskResult r) {
        try {
            return new JsonObject(new String(r.payload().toBytes(), StandardCharsets.UTF_8));
        } catch (DecodeException e) {
            return null;
        }
    }

    /** The status of a reason {@code http <status>: ...}, or null (no answer: a timeout, a refused connection). */
    static Integer statusOf(String reason) {
        if (!reason.startsWith("http ") || reason.length() < 8) {
            return null;
        }
        try {
            return Integer.parseInt(reason.substring(5, 8));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The result an ack stores: status, latency and the URL. */
    static JsonObject ackResult(int status, long nanos, String url) {
        return new JsonObject().put("status", status).put("latency_ms", Math.round(nanos / 10_000.0) / 100.0)
                .put("url", url);
    }
}
