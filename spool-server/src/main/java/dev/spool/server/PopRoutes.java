package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import io.vertx.core.Context;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.Delivery;
import dev.spool.api.NackRequest;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.server.trace.Tracing;

/**
 * {@code POST /v1/queues/{q}/pop}: leases messages, waiting up to {@code wait_ms} for the first.
 *
 * <p>The wait is the broker's: the reply is sent from the stage the broker completes when a push
 * makes a message ready, never by polling. With {@code Accept: application/octet-stream} the reply
 * is one message as the raw body ({@link RawPop}). If the client is gone when messages arrive,
 * they are given back at once (a nack with no delay) rather than left leased until their
 * visibility timeout.
 */
final class PopRoutes {
    static final String OCTET_STREAM = "application/octet-stream";

    private final Api api;

    PopRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/queues/:q/pop").handler(this::pop);
    }

    private void pop(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        boolean raw = wantsRaw(rc.request().getHeader("Accept"));
        Bodies.readJson(api, rc, body -> {
            PopRequest[] req = new PopRequest[1];
            Bodies.parse(body, in -> req[0] = readPop(in, api.limits));
            if (raw && req[0].max() != 1) {
                throw SpoolException.invalid("max", "a raw pop returns one message");
            }
            pop(rc, q, req[0], raw);
        });
    }

    private void pop(RoutingContext rc, String q, PopRequest req, boolean raw) {
        Context ctx = api.vertx.getOrCreateContext();
        boolean waits = req.waitMs() > 0;
        if (waits) {
            api.state.waiting(true);
        }
        long t0 = api.tracing.now();
        CompletableFuture<List<Delivery>> popping = api.broker.pop(q, req).toCompletableFuture();
        if (waits) {
            // a client that goes away while waiting withdraws its pop: nothing is leased for it afterwards
            rc.response().closeHandler(v -> popping.cancel(false));
        }
        Api.on(ctx, popping, (ds, e) -> {
            if (waits) {
                api.state.waiting(false);
            }
            if (popping.isCancelled()) {
                return;
            }
            if (api.tracing.enabled()) {
                api.tracing.popped(Tracing.Transport.HTTP, q, req.group(), ds, t0, e);
            }
            if (e != null) {
                Errors.send(rc.response(), e);
                return;
            }
            if (rc.response().closed()) {
                release(api.broker, q, req.group(), ds);
                return;
            }
            api.metrics.queue(q).popped.increment(ds.size());
            if (raw) {
                RawPop.send(api, rc, ds);
            } else {
                api.json(rc, 200, MessageCodec.blocking(ds), g -> {
                    g.writeStartObject();
                    MessageCodec.writeDeliveries(g, ds);
                    g.writeEndObject();
                });
            }
        });
    }

    /** Gives back deliveries nobody will receive: ready again at once. */
    static void release(Broker broker, String q, String group, List<Delivery> ds) {
        if (!ds.isEmpty()) {
            broker.nack(q, new NackRequest(group, Receipts.of(ds), OptionalLong.of(0),
                    Optional.of("consumer disconnected before delivery")));
        }
    }

    /** Whether the client asked for the raw form. */
    static boolean wantsRaw(String accept) {
        return accept != null && accept.contains(OCTET_STREAM) && !accept.contains(Api.JSON);
    }

    /** Reads {@code {max, visibility_ms, wait_ms, group}}, all optional. */
    static PopRequest readPop(JsonIn in, BrokerLimits limits) throws IOException {
        in.beginDocument("pop");
        PopRequest r = readPopFields(in, limits, "");
        in.endDocument();
        return r;
    }

    /** Reads pop fields up to the end of the current object; {@code skip} names one more field to ignore. */
    static PopRequest readPopFields(JsonIn in, BrokerLimits limits, String prefix) throws IOException {
        String group = Broker.DEFAULT_GROUP;
        int max = 1;
        long visibility = 0;
        long wait = 0;
        String f;
        while ((f = in.nextField()) != null) {
            if (in.isNull()) {
                continue;
            }
            switch (f) {
                case "max" -> max = in.readInt(f, 1, limits.maxPop());
                case "visibility_ms" -> visibility = in.readLong(f);
                case "wait_ms" -> wait = in.readLong(f);
                case "group" -> group = in.readString(f);
                default -> throw JsonIn.unknown(prefix, f);
            }
        }
        PopRequest r = new PopRequest(group, max, visibility, wait);
        r.validate(limits);
        return r;
    }
}
