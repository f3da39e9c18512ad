package dev.spool.server;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.Names;
import dev.spool.server.edge.BodyBudget;
import dev.spool.server.push.PushDelivery;
import dev.spool.server.security.Security;
import dev.spool.server.security.TokenStore;
import dev.spool.server.trace.Tracing;

/**
 * What every resource handler shares: the broker, the configuration, metrics and server state,
 * plus the one way to turn a broker stage into an HTTP reply.
 *
 * <p>Broker stages complete on storage threads; {@link #on} hops back to the request's event-loop
 * context before anything touches the response, so handlers stay single-threaded per connection.
 */
final class Api {
    static final String JSON = "application/json";

    final Vertx vertx;
    final Broker broker;
    final ServerConfig config;
    final BrokerLimits limits;
    final Metrics metrics;
    final ServerState state;
    /** Where large raw uploads are spooled; empty when they stay on the heap (memory storage). */
    final Optional<Path> spoolDir;
    /** The heap request bodies being read may hold, all connections together. */
    final BodyBudget bodyBudget;
    /** Push delivery of this server. */
    final PushDelivery push;
    /** Spans for push, pop, settle and push delivery; {@link Tracing#off()} unless an OTLP endpoint is set. */
    final Tracing tracing;
    /** Authentication and permissions; open when the configuration requires no authentication. */
    final Security security;
    /** Encoded {@code read_state} replies of the stream, reused while a document stays the same. */
    final StateFrames stateFrames = new StateFrames(StateFrames.MAX_ENTRIES, StateFrames.MAX_BYTES);
    /** Re-reads the TLS files now (SIGHUP); a no-op without TLS. Set once the listener is up. */
    volatile java.util.function.Supplier<io.vertx.core.Future<Void>> tlsReload = io.vertx.core.Future::succeededFuture;
    /** Re-reads the encryption keys file (SIGHUP); empty without one. Set once the listener is up. */
    volatile Optional<KeyringWatch> keyring = Optional.empty();

    Api(Vertx vertx, Broker broker, ServerConfig config, Metrics metrics, ServerState state, Optional<Path> spoolDir) {
        this.vertx = vertx;
        this.broker = broker;
        this.config = config;
        this.limits = broker.settings().limits();
        this.metrics = metrics;
        this.state = state;
        this.spoolDir = spoolDir;
        this.bodyBudget = new BodyBudget(config.edge().maxBodyBytesInFlight());
        this.tracing = Tracing.create(config.tracing());
        this.push = new PushDelivery(vertx, broker, config.push(), metrics.registry(), tracing);
        this.security = new Security(config.security(), new TokenStore(broker));
    }

    long maxRequestBytes() {
        return config.listener().maxRequestBytes();
    }

    /** Runs {@code k} on {@code ctx} once the stage completes (at once if already there). */
    static <T> void on(Context ctx, CompletionStage<T> stage, BiConsumer<T, Throwable> k) {
        stage.whenComplete((v, e) -> {
            if (Vertx.currentContext() == ctx) {
                k.accept(v, e);
            } else {
                ctx.runOnContext(x -> k.accept(v, e));
            }
        });
    }

    /**
     * Replies to a request from a broker stage: {@code onOk} writes the success reply, a failure
     * becomes the error reply. Exceptions thrown by {@code onOk} become error replies too.
     */
    <T> void reply(RoutingContext rc, CompletionStage<T> stage, Consumer<T> onOk) {
        on(vertx.getOrCreateContext(), stage, (v, e) -> {
            if (e != null) {
                Errors.send(rc.response(), e);
                return;
            }
            try {
                onOk.accept(v);
            } catch (RuntimeException ex) {
                Errors.send(rc.response(), ex);
            }
        });
    }

    /** Sends a JSON reply. */
    static void json(HttpServerResponse resp, int status, Buffer body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", JSON).end(body);
    }

    /**
     * Sends a JSON reply rendered by {@code w}. With {@code blocking} (the reply embeds payloads
     * read from storage) it is rendered on a worker thread and streamed out chunk by chunk.
     */
    void json(RoutingContext rc, int status, boolean blocking, Json.Writer w) {
        HttpServerResponse resp = rc.response();
        if (!blocking) {
            json(resp, status, Json.render(w));
            return;
        }
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", JSON).setChunked(true);
        Context ctx = vertx.getOrCreateContext();
        ResponseOutputStream out = new ResponseOutputStream(rc, ctx, config.edge().bodyTimeoutMs());
        ctx.executeBlocking(() -> {
            try (out) {
                Json.render(w, out);
            }
            return null;
        }, false).onFailure(e -> Errors.send(resp, e));
    }

    /** Sends 204. */
    static void noContent(HttpServerResponse resp) {
        if (!resp.ended() && !resp.closed()) {
            resp.setStatusCode(204).end();
        }
    }

    /** The validated {@code {q}} path parameter. */
    static String queue(RoutingContext rc) {
        return Names.checkQueue(rc.pathParam("q"), "queue");
    }

    /** The validated {@code {g}} path parameter. */
    static String group(RoutingContext rc) {
        return Names.checkGroup(rc.pathParam("g"), "group");
    }
}
