package dev.spool.server.push;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.Names;
import dev.spool.api.SpoolException;

/**
 * The body of {@code POST /v1/fleets}, checked: the endpoints (a list, or the name of a stored
 * endpoint set), the payload and how to deliver it.
 *
 * @param endpoints the endpoint URLs, when given in the request
 * @param endpointSet the name of a stored endpoint set, when given instead
 * @param payload the bytes every endpoint receives (empty when {@code from} names them)
 * @param from the message whose payload every endpoint receives, instead of {@code payload}
 * @param contentType their content type (empty with {@code from}: the message's)
 * @param headers extra request headers
 * @param concurrency most requests in flight for the fleet, per server
 * @param timeoutMs longest one attempt may take
 * @param maxAttempts attempts per endpoint before it counts as failed
 * @param secrets Standard Webhooks secrets
 * @param backoff the wait before each endpoint's next attempt after a failure (without {@code Retry-After})
 */
record FleetRequest(List<URI> endpoints, Optional<String> endpointSet, byte[] payload, Optional<From> from,
        Optional<String> contentType,
        Map<String, String> headers, int concurrency, long timeoutMs, int maxAttempts, List<String> secrets,
        Backoff backoff) {

    /**
     * An existing message whose payload a fleet sends (streamed from storage, so it may be larger
     * than a JSON request may carry).
     *
     * @param queue its queue
     * @param id its id
     */
    record From(String queue, long id) {
    }

    /** Most endpoints of one fleet or endpoint set. */
    static final int MAX_ENDPOINTS = 10_000;
    private static final Set<String> FIELDS = Set.of("endpoints", "endpoint_set", "payload", "payload_base64", "payload_from",
            "content_type", "headers", "concurrency", "timeout_ms", "max_attempts", "secrets", "retry_initial_ms",
            "retry_max_ms");

    /**
     * Parses and checks the request.
     *
     * @throws SpoolException {@code invalid_argument} naming the field at fault
     */
    static FleetRequest parse(String json) {
        JsonObject o;
        try {
            o = new JsonObject(json);
        } catch (DecodeException | ClassCastException e) {
            throw SpoolException.invalid("", "a fleet push is a JSON object");
        }
        for (String f : o.fieldNames()) {
            if (!FIELDS.contains(f)) {
                throw SpoolException.invalid(f, "unknown field '" + f + "'");
            }
        }
        Object list = o.getValue("endpoints");
        Object set = o.getValue("endpoint_set");
        if ((list == null) == (set == null)) {
            throw SpoolException.invalid("endpoints", "give either endpoints (a list of URLs) or endpoint_set (a name)");
        }
        List<URI> endpoints = list == null ? List.of() : urls(list, "endpoints");
        Optional<String> setName = Optional.empty();
        if (set != null) {
            if (!(set instanceof String s) || !Names.isValid(s)) {
                throw SpoolException.invalid("endpoint_set", "an endpoint set name is 1-128 characters of [A-Za-z0-9._-]");
            }
            setName = Optional.of(s);
        }
        byte[] payload = new byte[0];
        Optional<From> from = Optional.empty();
        String contentType = null;
        Object p = o.getValue("payload");
        Object b64 = o.getValue("payload_base64");
        Object ref = o.getValue("payload_from");
        if ((p == null ? 0 : 1) + (b64 == null ? 0 : 1) + (ref == null ? 0 : 1) != 1) {
            throw SpoolException.invalid("payload", "give one of payload (any JSON), payload_base64 or payload_from");
        }
        if (p != null) {
            payload = io.vertx.core.json.Json.encode(p).getBytes(StandardCharsets.UTF_8);
            contentType = MessageBody.JSON;
        } else if (b64 != null) {
            if (!(b64 instanceof String s)) {
                throw SpoolException.invalid("payload_base64", "payload_base64 is a base64 string");
            }
            try {
                payload = Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                throw SpoolException.invalid("payload_base64", "payload_base64 is not valid base64");
            }
            contentType = MessageBody.OCTET_STREAM;
        } else {
            from = Optional.of(from(ref));
        }
        Object ct = o.getValue("content_type");
        if (ct != null) {
            if (!(ct instanceof String s) || s.isBlank() || s.length() > 256 || s.chars().anyMatch(c -> c < 0x20)) {
                throw SpoolException.invalid("content_type", "content_type is a media type of at most 256 characters");
            }
            contentType = s;
        }
        return new FleetRequest(endpoints, setName, payload, from, Optional.ofNullable(contentType),
                PushConfig.headers(o.getValue("headers")),
                (int) PushConfig.number(o, "concurrency", 50, 1, PushConfig.MAX_CONCURRENCY),
                PushConfig.number(o, "timeout_ms", 10_000, 100, PushConfig.MAX_TIMEOUT_MS),
                (int) PushConfig.number(o, "max_attempts", 10, 1, 1_000),
                PushConfig.secrets(o.getValue("secrets")), backoff(o));
    }

    private static From from(Object v) {
        if (!(v instanceof JsonObject f) || !(f.getValue("queue") instanceof String q) || !Names.isValid(q)
                || !(f.getValue("id") instanceof String id) || f.size() != 2) {
            throw SpoolException.invalid("payload_from", "payload_from is {\"queue\": name, \"id\": message id}");
        }
        try {
            return new From(q, MessageIds.parse(id, "payload_from.id"));
        } catch (SpoolException e) {
            throw SpoolException.invalid("payload_from.id", "payload_from.id is a message id");
        }
    }

    /** Shortest {@code retry_initial_ms} and {@code retry_max_ms}: a smaller wait would hammer a failing endpoint. */
    static final long MIN_RETRY_MS = 10;
    /** Default {@code retry_initial_ms}. */
    static final long RETRY_INITIAL_MS = 1_000;
    /** Default {@code retry_max_ms} (or {@code retry_initial_ms} when that is larger). */
    static final long RETRY_MAX_MS = 300_000;

    private static Backoff backoff(JsonObject o) {
        long initial = PushConfig.number(o, "retry_initial_ms", RETRY_INITIAL_MS, MIN_RETRY_MS, 3_600_000);
        long max = PushConfig.number(o, "retry_max_ms", Math.max(initial, RETRY_MAX_MS), MIN_RETRY_MS, 86_400_000);
        if (max < initial) {
            throw SpoolException.invalid("retry_max_ms", "retry_max_ms must not be below retry_initial_ms");
        }
        return new Backoff(initial, max);
    }

    /** A list of 1 to {@value #MAX_ENDPOINTS} endpoint URLs, each checked as a push group's url. */
    static List<URI> urls(Object v, String field) {
        if (!(v instanceof JsonArray a) || a.isEmpty() || a.size() > MAX_ENDPOINTS) {
            throw SpoolException.invalid(field, field + " is a list of 1 to " + MAX_ENDPOINTS + " URLs");
        }
        List<URI> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            try {
                out.add(PushConfig.url(a.getValue(i)));
            } catch (SpoolException e) {
                throw SpoolException.invalid(field + "[" + i + "]", e.getMessage());
            }
        }
        return out;
    }

    /** The same request with its endpoints taken from a stored set. */
    FleetRequest withEndpoints(List<URI> v) {
        return new FleetRequest(v, endpointSet, payload, from, contentType, headers, concurrency, timeoutMs,
                maxAttempts, secrets, backoff);
    }
}
