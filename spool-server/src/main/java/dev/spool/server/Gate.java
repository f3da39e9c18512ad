package dev.spool.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.ConnectionEdge;
import dev.spool.server.edge.MetricLabels;

/**
 * The first handler of every request: refuses requests during shutdown (503, except the health
 * probes) and on connections
 * over the connection bound (429), counts requests in flight for graceful shutdown, and records
 * each request's latency under its route template when it ends. It gives every request its id
 * ({@link RequestIds}) and logs its end: at DEBUG, or at WARN for a 5xx, with the id. Labels come from closed sets
 * ({@link MetricLabels}): a client cannot create metric series.
 */
final class Gate implements Handler<RoutingContext> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Gate.class);
    private static final java.util.Set<String> PROBES = java.util.Set.of("/healthz", "/readyz");
    private final ServerState state;
    private final Metrics metrics;

    Gate(ServerState state, Metrics metrics) {
        this.state = state;
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        String requestId = RequestIds.assign(req, rc.response());
        rc.put(RequestIds.KEY, requestId);
        if (req.version() == HttpVersion.HTTP_2) {
            rc.addEndHandler(ar -> ConnectionEdge.closeStream(req.connection()));
        }
        if (state.closing() && !PROBES.contains(req.path())) {
            // liveness and readiness keep answering: /healthz 200 (the process serves), /readyz 503
            Bodies.refuse(rc, new SpoolException(ErrorCode.UNAVAILABLE, "server is shutting down"), true);
            return;
        }
        if (state.isRejected(req.connection())) {
            Bodies.refuse(rc, SpoolException.tooMany("too many connections", 1000), true);
            return;
        }
        if (StreamRoutes.PATH.equals(req.path())) {
            // An upgraded stream never ends as an HTTP response; its session counts its own work.
            rc.next();
            return;
        }
        long start = System.nanoTime();
        Route gate = rc.currentRoute();
        state.enter();
        rc.addEndHandler(ar -> {
            state.exit();
            Route r = rc.currentRoute();
            ConnectionEdge.responseEnded(req.connection(), req.version() != HttpVersion.HTTP_2);
            String route = r == null || r == gate || r.getPath() == null ? MetricLabels.UNMATCHED : r.getPath();
            int status = rc.response().getStatusCode();
            long nanos = System.nanoTime() - start;
            metrics.request(route, MetricLabels.method(req.method()), status, nanos);
            // route template, method and status only: never the path's names, a body or a header
            var line = status >= 500 ? LOG.atWarn() : LOG.atDebug();
            line.addKeyValue(RequestIds.KEY, requestId).addKeyValue("method", MetricLabels.method(req.method()))
                    .addKeyValue("route", route).addKeyValue("status", status)
                    .addKeyValue("ms", nanos / 1_000_000).log(status >= 500 ? "request failed" : "request");
        });
        rc.next();
    }
}
