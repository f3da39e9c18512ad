package dev.spool.server;

import java.util.concurrent.ThreadLocalRandom;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The id of a request, so that one call can be followed through the logs: taken from the caller's
 * {@code X-Request-Id} when it is a plausible id (1–128 characters of {@code [A-Za-z0-9._:-]}, so
 * that nothing a client sends can forge log structure), else generated (16 hex digits). It is
 * returned on every reply as {@code Spool-Request-Id}, put in error bodies as {@code request_id}, and
 * logged as the {@code request_id} key of every log line about the request. Never a secret: ids
 * are chosen by the caller or random.
 */
final class RequestIds {
    /** The reply header. */
    static final String HEADER = "Spool-Request-Id";
    /** The request header a caller (or a proxy in front) may set. */
    static final String INCOMING = "X-Request-Id";
    /** The key of log lines and of the routing context. */
    static final String KEY = "request_id";

    private RequestIds() {
    }

    /** The request's id, from its header or new, set on the response. */
    static String assign(HttpServerRequest req, HttpServerResponse resp) {
        String given = req.getHeader(INCOMING);
        String id = given != null && plausible(given) ? given : generate();
        resp.putHeader(HEADER, id);
        return id;
    }

    /** The id already set on a response, or null. */
    static String of(HttpServerResponse resp) {
        return resp.headers().get(HEADER);
    }

    static boolean plausible(String s) {
        if (s.isEmpty() || s.length() > 128) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String generate() {
        String hex = Long.toHexString(ThreadLocalRandom.current().nextLong());
        return "0".repeat(16 - hex.length()) + hex;
    }
}
