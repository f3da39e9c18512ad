package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.SpoolException;

/**
 * Query parameters, checked as strictly as JSON bodies: an unknown or repeated parameter is an
 * error naming it, numbers must be whole and within range.
 */
final class Params {
    private Params() {
    }

    /** Fails if the request has any query parameter. */
    static void none(RoutingContext rc) {
        allow(rc, Set.of());
    }

    /** Fails on a parameter not in {@code names}, or given twice. */
    static void allow(RoutingContext rc, Set<String> names) {
        MultiMap params = rc.queryParams();
        for (String name : params.names()) {
            if (!names.contains(name)) {
                throw SpoolException.invalid(name, "unknown query parameter");
            }
            if (params.getAll(name).size() > 1) {
                throw SpoolException.invalid(name, "given more than once");
            }
        }
    }

    /** A text parameter, or {@code def} when absent. */
    static String text(RoutingContext rc, String name, String def) {
        List<String> v = rc.queryParam(name);
        return v.isEmpty() ? def : v.get(0);
    }

    /** A whole-number parameter in {@code [min, max]}, or {@code def} when absent. */
    static long number(RoutingContext rc, String name, long def, long min, long max) {
        List<String> v = rc.queryParam(name);
        if (v.isEmpty()) {
            return def;
        }
        long n;
        try {
            n = Long.parseLong(v.get(0));
        } catch (NumberFormatException e) {
            throw SpoolException.invalid(name, "must be a whole number");
        }
        if (n < min || n > max) {
            throw SpoolException.invalid(name, "must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /** Checks a JSON body is the empty object. */
    static void emptyObject(JsonIn in) throws IOException {
        in.beginDocument("an empty object");
        String f = in.nextField();
        if (f != null) {
            throw JsonIn.unknown("", f);
        }
        in.endDocument();
    }
}
