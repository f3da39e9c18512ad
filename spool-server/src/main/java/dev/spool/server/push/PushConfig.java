package dev.spool.server.push;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;

/**
 * The configuration of one push group: where to POST, how hard, how to sign. Its JSON form (the
 * body of {@code PUT /v1/queues/{q}/push/{name}}) is what the broker stores as the group's opaque
 * push text, so every server of a cluster reads the same configuration.
 *
 * @param url the endpoint ({@code http} or {@code https})
 * @param headers extra request headers
 * @param concurrency most requests in flight to the endpoint from one server
 * @param timeoutMs longest one request may take, connect to last response byte
 * @param rateLimit most requests started per second by one server; 0 for no limit
 * @param start where the group starts reading the queue
 * @param secrets Standard Webhooks signing secrets ({@code whsec_<base64>}), at most two (during a
 *        rotation both sign); empty for unsigned requests. Never logged, never returned by GET.
 */
public record PushConfig(URI url, Map<String, String> headers, int concurrency, long timeoutMs, int rateLimit,
        StartPosition start, List<String> secrets) {

    static final int MAX_HEADERS = 32;
    static final int MAX_CONCURRENCY = 1_000;
    static final long MAX_TIMEOUT_MS = 600_000;
    static final int MAX_RATE = 1_000_000;
    private static final Set<String> FIELDS = Set.of("url", "headers", "concurrency", "timeout_ms", "rate_limit",
            "start", "secrets");
    private static final Set<String> RESERVED = Set.of("host", "content-length", "content-type", "transfer-encoding",
            "connection", "traceparent", "te", "upgrade", "expect");

    /** Copies the collections. */
    public PushConfig {
        headers = Map.copyOf(headers);
        secrets = List.copyOf(secrets);
    }

    /**
     * Parses and checks the JSON form.
     *
     * @throws SpoolException {@code invalid_argument} naming the field at fault
     */
    public static PushConfig parse(String json) {
        return parse(json, StartPosition.LATEST);
    }

    /** Like {@link #parse(String)}, with {@code absentStart} when the configuration names no start. */
    public static PushConfig parse(String json, StartPosition absentStart) {
        JsonObject o;
        try {
            o = new JsonObject(json);
        } catch (DecodeException | ClassCastException e) {
            throw SpoolException.invalid("", "push configuration must be a JSON object");
        }
        for (String f : o.fieldNames()) {
            if (!FIELDS.contains(f)) {
                throw SpoolException.invalid(f, "unknown field '" + f + "'");
            }
        }
        URI url = url(o.getValue("url"));
        Map<String, String> headers = headers(o.getValue("headers"));
        int concurrency = (int) number(o, "concurrency", 10, 1, MAX_CONCURRENCY);
        long timeout = number(o, "timeout_ms", 10_000, 100, MAX_TIMEOUT_MS);
        int rate = (int) number(o, "rate_limit", 0, 0, MAX_RATE);
        Object s = o.getValue("start");
        if (s != null && !(s instanceof String) && !(s instanceof Number)) {
            throw SpoolException.invalid("start", "start is earliest, latest, epoch ms or an ISO-8601 instant");
        }
        StartPosition start = s == null ? absentStart : StartPosition.parse(s.toString(), "start");
        return new PushConfig(url, headers, concurrency, timeout, rate, start, secrets(o.getValue("secrets")));
    }

    static URI url(Object v) {
        if (!(v instanceof String text) || text.isEmpty() || text.length() > 2048) {
            throw SpoolException.invalid("url", "url is required: an http or https URL of at most 2048 characters");
        }
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw SpoolException.invalid("url", "url is not a valid URI");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawUserInfo() != null
                || u.getRawFragment() != null) {
            throw SpoolException.invalid("url", "url must be http:// or https:// with a host, no user info and no fragment");
        }
        return u;
    }

    static Map<String, String> headers(Object v) {
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof JsonObject h)) {
            throw SpoolException.invalid("headers", "headers is an object of header name to string value");
        }
        if (h.size() > MAX_HEADERS) {
            throw SpoolException.invalid("headers", "at most " + MAX_HEADERS + " headers");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : h.fieldNames()) {
            String lower = name.toLowerCase(Locale.ROOT);
            Object value = h.getValue(name);
            if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}") || RESERVED.contains(lower)
                    || lower.startsWith("spool-") || lower.startsWith("webhook-")) {
                throw SpoolException.invalid("headers." + name, "not a header name push delivery lets you set");
            }
            if (!(value instanceof String s) || s.length() > 4096 || s.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                throw SpoolException.invalid("headers." + name, "a header value is a string of at most 4096 "
                        + "characters without control characters");
            }
            out.put(name, s);
        }
        return out;
    }

    static long number(JsonObject o, String field, long dflt, long min, long max) {
        Object v = o.getValue(field);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
                || ((Number) v).longValue() > max) {
            throw SpoolException.invalid(field, field + " must be an integer from " + min + " to " + max);
        }
        return ((Number) v).longValue();
    }

    static List<String> secrets(Object v) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof JsonArray a) || a.size() > 2) {
            throw SpoolException.invalid("secrets", "secrets is an array of at most two whsec_ secrets");
        }
        for (int i = 0; i < a.size(); i++) {
            Object s = a.getValue(i);
            if (!(s instanceof String text) || !text.startsWith("whsec_") || decode(text) == null) {
                throw SpoolException.invalid("secrets[" + i + "]", "a secret is whsec_ followed by 1 to 256 bytes "
                        + "in base64");
            }
        }
        @SuppressWarnings("unchecked")
        List<String> out = (List<String>) (List<?>) a.getList();
        return out;
    }

    /** The key bytes of a {@code whsec_} secret, or null if it does not decode. */
    static byte[] decode(String secret) {
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            return key.length == 0 || key.length > 256 ? null : key;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The stored form: the JSON the broker keeps, secrets included. */
    public String toStored() {
        return render(true).encode();
    }

    /** The public form (GET): no secrets, only how many there are. */
    public JsonObject toPublic() {
        return render(false).put("secret_count", secrets.size());
    }

    private JsonObject render(boolean withSecrets) {
        JsonObject o = new JsonObject().put("url", url.toString()).put("headers", new JsonObject(
                new LinkedHashMap<>(headers))).put("concurrency", concurrency).put("timeout_ms", timeoutMs)
                .put("rate_limit", rateLimit).put("start", start.wire());
        if (withSecrets) {
            o.put("secrets", new JsonArray(secrets));
        }
        return o;
    }

    /** The port the URL names or its scheme's default. */
    int port() {
        return url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** The path and query to request. */
    String pathAndQuery() {
        String p = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? p : p + "?" + url.getRawQuery();
    }

    /** Never shows the secrets. */
    @Override
    public String toString() {
        return "PushConfig" + render(false).put("secret_count", secrets.size()).encode();
    }
}
