package dev.spool.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Operations endpoints: {@code /healthz} (the process serves HTTP), {@code /readyz} (the broker can
 * serve requests and no shutdown began; 503 otherwise) and {@code /metrics} (Prometheus text).
 */
final class OpsRoutes {
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final Api api;

    OpsRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.GET, "/healthz").handler(this::health);
        r.route(HttpMethod.GET, "/readyz").handler(this::ready);
        r.route(HttpMethod.GET, "/metrics").handler(this::metrics);
    }

    private void health(RoutingContext rc) {
        Params.none(rc);
        Api.json(rc.response(), 200, Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("status", "ok");
            g.writeEndObject();
        }));
    }

    private void ready(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, api.broker.health(), h -> {
            if (!h.ready() || api.state.closing()) {
                Errors.send(rc.response(), new SpoolException(ErrorCode.UNAVAILABLE,
                        api.state.closing() ? "shutting down" : "not ready: " + h.detail()));
                return;
            }
            Api.json(rc.response(), 200, Json.render(g -> {
                g.writeStartObject();
                g.writeBooleanField("ready", true);
                g.writeStringField("detail", h.detail());
                g.writeEndObject();
            }));
        });
    }

    private void metrics(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, LockCensus.count(api.broker).thenCombine(api.broker.listQueues(), (locks, queues) -> {
            Metrics.LockMeters m = api.metrics.locks();
            m.count.set(locks.locks());
            m.holders.set(locks.holders());
            m.waiters.set(locks.waiters());
            return queues;
        }), queues -> {
            String text = api.metrics.scrape(queues);
            rc.response().setStatusCode(200).putHeader("Content-Type", PROMETHEUS).end(text);
        });
    }
}
