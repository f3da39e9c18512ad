package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.Delivery;
import dev.spool.api.Names;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;
import dev.spool.api.Validation;
import dev.spool.server.trace.Tracing;

/**
 * A subscription of a {@link StreamSession}: leases messages of one queue group and sends them as
 * {@code {"op":"messages"}} frames, never more than the credit the client granted.
 *
 * <p>Credit is a count of messages the server may still send; each message sent uses one, and the
 * client grants more with {@code credit} frames (typically after acking). While it has credit and
 * the socket's write queue is not full, the subscription keeps one long-poll pop outstanding for
 * up to {@code min(credit, max-pop)} messages, so messages flow as soon as they are pushed. Frames
 * of one subscription go out in order. Runs on the session's context only.
 */
final class StreamSubscription {
    /** Largest credit a subscription may hold. */
    static final long MAX_CREDIT = 100_000;

    private final StreamSession session;
    private final String id;
    private final Spec spec;
    private long credit;
    private boolean busy;
    private boolean stopped;
    private boolean pumpScheduled;
    /** The waiting pop, withdrawn by {@link #stop} so that it leases nothing for a gone subscriber. */
    private CompletableFuture<List<Delivery>> pending;

    StreamSubscription(StreamSession session, String id, Spec spec) {
        this.session = session;
        this.id = id;
        this.spec = spec;
        this.credit = spec.credit();
    }

    String id() {
        return id;
    }

    void grant(long n) {
        credit = Math.min(MAX_CREDIT, credit + n);
    }

    void stop() {
        stopped = true;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    /**
     * Pumps once this turn of the event loop has read what its sockets had: credit that comes back
     * one ack frame at a time (one ack per message) is then asked for in one pop of several messages
     * rather than a pop of one followed by a pop of the rest.
     */
    void pumpSoon() {
        if (!pumpScheduled && !stopped) {
            pumpScheduled = true;
            session.ctx.runOnContext(v -> {
                pumpScheduled = false;
                pump();
            });
        }
    }

    /** Starts a pop if there is credit, room on the socket and none outstanding. */
    void pump() {
        Api api = session.api;
        if (stopped || busy || credit <= 0 || session.closed() || session.ws.writeQueueFull() || api.state.closing()) {
            return;
        }
        busy = true;
        int max = (int) Math.min(credit, api.limits.maxPop());
        PopRequest req = new PopRequest(spec.group(), max, spec.visibilityMs(), api.limits.maxWaitMs());
        CompletableFuture<List<Delivery>> p = api.broker.pop(spec.queue(), req).toCompletableFuture();
        pending = p;
        Api.on(session.ctx, p, (ds, e) -> {
            pending = null;
            if (stopped || session.closed()) {
                busy = false;
                if (ds != null) {
                    PopRoutes.release(api.broker, spec.queue(), spec.group(), ds);
                }
                return;
            }
            if (e != null) {
                busy = false;
                stopped = true;
                session.ended(this, e);
                return;
            }
            deliver(ds);
        });
    }

    private void deliver(List<Delivery> ds) {
        Api api = session.api;
        if (ds.isEmpty()) {
            busy = false;
            pump();
            return;
        }
        credit -= ds.size();
        api.metrics.queue(spec.queue()).popped.increment(ds.size());
        if (api.tracing.enabled()) {
            api.tracing.popped(Tracing.Transport.STREAM, spec.queue(), spec.group(), ds, api.tracing.now(), null);
        }
        Json.Writer frame = g -> {
            g.writeStartObject();
            g.writeStringField("op", "messages");
            g.writeStringField("sub", id);
            MessageCodec.writeDeliveries(g, ds);
            g.writeEndObject();
        };
        if (!MessageCodec.blocking(ds)) {
            session.send(Json.render(frame));
            busy = false;
            pump();
            return;
        }
        session.ctx.executeBlocking(() -> Json.render(frame), false).onComplete(ar -> {
            busy = false;
            if (stopped || session.closed()) {
                PopRoutes.release(api.broker, spec.queue(), spec.group(), ds);
            } else if (ar.succeeded()) {
                session.send(ar.result());
                pump();
            } else {
                stopped = true;
                session.ended(this, ar.cause());
            }
        });
    }

    /**
     * What a {@code subscribe} frame asks for.
     *
     * @param sub the client's name for the subscription, or null to get one assigned
     * @param queue the queue
     * @param group the group
     * @param credit initial credit
     * @param visibilityMs lease length of delivered messages (0: the queue's)
     */
    record Spec(String sub, String queue, String group, long credit, long visibilityMs) {
        static Spec read(JsonIn in, BrokerLimits limits) throws IOException {
            String sub = null;
            String queue = null;
            String group = Broker.DEFAULT_GROUP;
            long credit = -1;
            long visibility = 0;
            String f;
            while ((f = in.nextField()) != null) {
                if (in.isNull()) {
                    continue;
                }
                switch (f) {
                    case "op", "req" -> in.skip();
                    case "sub" -> sub = Names.checkGroup(in.readString(f), f);
                    case "queue" -> queue = Names.checkQueue(in.readString(f), f);
                    case "group" -> group = Names.checkGroup(in.readString(f), f);
                    case "credit" -> credit = in.readLong(f, 0, MAX_CREDIT);
                    case "visibility_ms" -> visibility = in.readLong(f, 0, Validation.MAX_VISIBILITY_MS);
                    default -> throw JsonIn.unknown("", f);
                }
            }
            if (queue == null) {
                throw SpoolException.invalid("queue", "queue is required");
            }
            if (credit < 0) {
                throw SpoolException.invalid("credit", "credit is required");
            }
            return new Spec(sub, queue, group, credit, visibility);
        }
    }
}
