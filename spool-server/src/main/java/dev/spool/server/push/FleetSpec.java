package dev.spool.server.push;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.api.MessageIds;
import dev.spool.api.SpoolException;

/**
 * A fleet push as the broker stores it: the push text of group {@value Fleets#GROUP} of the fleet's
 * task queue ({@code spool.fleet.<id>}), which holds one task per endpoint. The payload and the
 * index of task ids are two messages of {@code spool.fleet.<id>.payload}.
 *
 * @param id the fleet id (16 lowercase hex digits)
 * @param total how many endpoints
 * @param payloadId the payload message (its id is the {@code webhook-id} every endpoint receives)
 * @param indexId the message listing the task ids in endpoint order
 * @param concurrency most requests in flight for the whole fleet, per server
 * @param timeoutMs longest one attempt may take
 * @param maxAttempts attempts per endpoint before it counts as failed
 * @param headers extra request headers (same rules as a push group's)
 * @param secrets Standard Webhooks secrets; never returned by GET
 * @param createdAt epoch ms
 * @param canceled whether the fleet was canceled
 * @param backoff each endpoint's wait after a failed attempt (without {@code Retry-After})
 */
record FleetSpec(String id, int total, long payloadId, long indexId, int concurrency, long timeoutMs, int maxAttempts,
        Map<String, String> headers, List<String> secrets, long createdAt, boolean canceled, Backoff backoff) {

    /** Copies the collections. */
    FleetSpec {
        headers = Map.copyOf(headers);
        secrets = List.copyOf(secrets);
    }

    String taskQueue() {
        return Fleets.PREFIX + id;
    }

    String payloadQueue() {
        return Fleets.PREFIX + id + ".payload";
    }

    FleetSpec cancel() {
        return new FleetSpec(id, total, payloadId, indexId, concurrency, timeoutMs, maxAttempts, headers, secrets,
                createdAt, true, backoff);
    }

    /** The stored form, secrets included. */
    String toStored() {
        return new JsonObject().put("id", id).put("total", total).put("payload_id", MessageIds.format(payloadId))
                .put("index_id", MessageIds.format(indexId)).put("concurrency", concurrency)
                .put("timeout_ms", timeoutMs).put("max_attempts", maxAttempts)
                .put("headers", new JsonObject(new LinkedHashMap<>(headers))).put("secrets", new JsonArray(secrets))
                .put("created_at", createdAt).put("canceled", canceled).put("retry_initial_ms", backoff.initialMs())
                .put("retry_max_ms", backoff.maxMs()).encode();
    }

    /** The settings as GET shows them: no secrets, only how many. */
    JsonObject toPublic() {
        return new JsonObject().put("concurrency", concurrency).put("timeout_ms", timeoutMs)
                .put("max_attempts", maxAttempts).put("retry_initial_ms", backoff.initialMs())
                .put("retry_max_ms", backoff.maxMs()).put("headers", new JsonObject(new LinkedHashMap<>(headers)))
                .put("secret_count", secrets.size()).put("message_id", MessageIds.format(payloadId));
    }

    /**
     * Reads the stored form.
     *
     * @throws SpoolException {@code invalid_argument} when it is not a fleet's
     */
    static FleetSpec parse(String stored) {
        try {
            JsonObject o = new JsonObject(stored);
            return new FleetSpec(o.getString("id"), o.getInteger("total"),
                    MessageIds.parse(o.getString("payload_id"), "payload_id"),
                    MessageIds.parse(o.getString("index_id"), "index_id"), o.getInteger("concurrency"),
                    o.getLong("timeout_ms"), o.getInteger("max_attempts"), PushConfig.headers(o.getValue("headers")),
                    PushConfig.secrets(o.getValue("secrets")), o.getLong("created_at"), o.getBoolean("canceled"),
                    // fleets stored before the backoff was part of the spec get the defaults
                    new Backoff(o.getLong("retry_initial_ms", FleetRequest.RETRY_INITIAL_MS),
                            o.getLong("retry_max_ms", FleetRequest.RETRY_MAX_MS)));
        } catch (DecodeException | ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw SpoolException.invalid("push", "not a fleet description");
        }
    }
}
