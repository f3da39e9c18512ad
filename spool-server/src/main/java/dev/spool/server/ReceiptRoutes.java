package dev.spool.server;

import java.util.concurrent.CompletionStage;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Outcomes;
import dev.spool.server.trace.Tracing;

/**
 * {@code POST /v1/queues/{q}/ack}, {@code /nack} and {@code /extend}: settle or prolong leases,
 * one outcome per receipt ({@code ok}, {@code stale}, {@code not_found}) in request order.
 */
final class ReceiptRoutes {
    private final Api api;

    ReceiptRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/queues/:q/ack").handler(rc -> settle(rc, ReceiptCodec.Kind.ACK));
        r.route(HttpMethod.POST, "/v1/queues/:q/nack").handler(rc -> settle(rc, ReceiptCodec.Kind.NACK));
        r.route(HttpMethod.POST, "/v1/queues/:q/extend").handler(rc -> settle(rc, ReceiptCodec.Kind.EXTEND));
    }

    private void settle(RoutingContext rc, ReceiptCodec.Kind kind) {
        String q = Api.queue(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            ReceiptCodec.Parsed[] req = new ReceiptCodec.Parsed[1];
            Bodies.parse(body, in -> {
                in.beginDocument(kind.name().toLowerCase(java.util.Locale.ROOT));
                req[0] = ReceiptCodec.readFields(in, kind, api.limits, "", f -> {
                    throw JsonIn.unknown("", f);
                });
                in.endDocument();
            });
            ReceiptCodec.Parsed p = req[0];
            CompletionStage<Outcomes> stage = switch (kind) {
                case ACK -> api.broker.ack(q, p.ack());
                case NACK -> api.broker.nack(q, p.nack());
                case EXTEND -> api.broker.extend(q, p.extend());
            };
            if (api.tracing.enabled()) {
                long t0 = api.tracing.now();
                String parent = rc.request().getHeader(TraceContext.TRACEPARENT);
                stage.whenComplete((out, e) -> api.tracing.settled(Tracing.Transport.HTTP,
                        kind.name().toLowerCase(java.util.Locale.ROOT), q, p.group(), p.receipts(),
                        java.util.Optional.ofNullable(parent), t0, e));
            }
            api.reply(rc, stage, out -> {
                count(q, kind, out);
                Api.json(rc.response(), 200, Json.render(g -> {
                    g.writeStartObject();
                    ReceiptCodec.writeResults(g, p.receipts(), out);
                    g.writeEndObject();
                }));
            });
        });
    }

    private void count(String q, ReceiptCodec.Kind kind, Outcomes out) {
        if (kind == ReceiptCodec.Kind.ACK) {
            api.metrics.queue(q).acked.increment(out.okCount());
        } else if (kind == ReceiptCodec.Kind.NACK) {
            api.metrics.queue(q).nacked.increment(out.okCount());
        }
    }
}
