package dev.spool.server.edge;

import io.vertx.core.http.HttpMethod;

/**
 * Label values of request metrics come from closed sets, so no client can create series: a
 * method outside the ones HTTP defines is {@code other}, a path that matched no route is
 * {@code unmatched} (routes are the router's templates, a fixed set), a status outside 100..599 is
 * {@code other}.
 */
public final class MetricLabels {
    /** The label of a method outside the standard ones. */
    public static final String OTHER = "other";
    /** The route label of a request no route matched. */
    public static final String UNMATCHED = "unmatched";

    private MetricLabels() {
    }

    /** The method label: the method's name if HTTP defines it, else {@code other}. */
    public static String method(HttpMethod m) {
        if (m == null) {
            return OTHER;
        }
        return switch (m.name()) {
            case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT" -> m.name();
            default -> OTHER;
        };
    }

    /** The status label: the three digits, or {@code other} outside 100..599. */
    public static String status(int status) {
        return status >= 100 && status <= 599 ? Integer.toString(status) : OTHER;
    }
}
