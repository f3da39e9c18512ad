package dev.spool.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Broker;
import dev.spool.api.SpoolException;

/**
 * The Spool HTTP server: API v1 (DESIGN §3) over a {@link Broker}, on Vert.x.
 *
 * <p>Embeddable: {@link #start(ServerConfig)} opens the storage the configuration names and
 * listens; {@link #start(ServerConfig, Broker)} serves a broker the caller owns. {@link #close()}
 * shuts down gracefully: new requests get 503, requests in flight finish (up to
 * {@code shutdown-timeout-ms}), waiting pops are woken by closing the broker (which makes
 * everything accepted durable), streams are closed with 1001, and the listener stops.
 *
 * <p>Thread-safe. Do not call {@link #close()} on a Vert.x event loop; use {@link #closeAsync()}.
 */
public final class SpoolServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolServer.class);

    private final Vertx vertx;
    private final Api api;
    private final boolean ownsBroker;
    private final Router router;
    private final int port;
    private CompletableFuture<Void> closing;

    private SpoolServer(ServerStarter.Started s, boolean ownsBroker) {
        this.vertx = s.vertx();
        this.api = s.api();
        this.router = s.router();
        this.ownsBroker = ownsBroker;
        this.port = s.port();
    }

    /**
     * Opens the configured storage and starts listening.
     *
     * @param config the configuration
     * @return completes with the running server, or fails (e.g. port in use, storage unavailable)
     */
    public static CompletionStage<SpoolServer> start(ServerConfig config) {
        return ServerStarter.start(config, Optional.empty()).thenApply(s -> new SpoolServer(s, true));
    }

    /**
     * Serves a broker the caller opened and keeps owning: {@link #close()} does not close it, so
     * pops waiting in it are answered only when their wait ends or the caller closes it.
     *
     * @param config the configuration (its storage settings are ignored except the data directory,
     *        used to spool large uploads unless the storage is {@code memory})
     * @param broker the broker to serve
     * @return completes with the running server
     */
    public static CompletionStage<SpoolServer> start(ServerConfig config, Broker broker) {
        return ServerStarter.start(config, Optional.of(broker)).thenApply(s -> new SpoolServer(s, false));
    }

    /** The port the server listens on (the chosen one when configured with port 0). */
    public int port() {
        return port;
    }

    /** The interface the server listens on. */
    public String host() {
        return api.config.listener().host();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:7070} ({@code https} with TLS). */
    public String url() {
        String h = host();
        String shown = "0.0.0.0".equals(h) || "::".equals(h) ? "127.0.0.1" : h.contains(":") ? "[" + h + "]" : h;
        String scheme = api.config.security().tls().isPresent() ? "https://" : "http://";
        return scheme + shown + ":" + port;
    }

    /**
     * Re-reads the TLS certificate, key and client CA files now (what {@code SIGHUP} does); new
     * connections use them, open ones keep theirs. Completes at once without TLS.
     *
     * @return completes when every listener took the new files, or fails (the old ones stay)
     */
    public CompletionStage<Void> reloadTls() {
        return api.tlsReload.get().toCompletionStage();
    }

    /**
     * Re-reads the encryption keys file now (what {@code SIGHUP} does, besides the TLS files): new
     * writes use its active key. Refused (the old keyring stays) when it drops a key that stored
     * records still use. Completes at once without a keys file.
     *
     * @return completes when the broker uses the new keyring, or fails saying why not
     */
    public CompletionStage<Void> reloadKeys() {
        return api.keyring.map(KeyringWatch::reload)
                .orElse(java.util.concurrent.CompletableFuture.completedFuture(null));
    }

    /** The configuration the server runs with. */
    public ServerConfig config() {
        return api.config;
    }

    /** The broker behind the server. */
    public Broker broker() {
        return api.broker;
    }

    /** Every route as {@code METHOD /path/{param}}, sorted (the OpenAPI test compares them to the spec). */
    List<String> routes() {
        List<String> out = new ArrayList<>();
        for (Route r : router.getRoutes()) {
            if (r.getPath() == null || r.methods() == null) {
                continue;
            }
            String path = r.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            for (HttpMethod m : r.methods()) {
                out.add(m.name() + " " + path);
            }
        }
        Collections.sort(out);
        return out;
    }

    /** Requests in flight (for tests and diagnostics). */
    int inFlightRequests() {
        return api.state.inFlightCount();
    }

    /** Bytes of request bodies held against {@code max-body-bytes-in-flight} (for tests and diagnostics). */
    long bodyBytesInFlight() {
        return api.bodyBudget.used();
    }

    /** Open {@code /v1/stream} sockets (for tests and diagnostics). */
    int openStreams() {
        return api.state.streams().size();
    }

    /** Requests in flight that wait in a long poll (for tests and diagnostics). */
    int waitingRequests() {
        return api.state.waitingCount();
    }

    /**
     * Starts a graceful shutdown; idempotent.
     *
     * @return completes when the server stopped and, if it owns the broker, the broker is closed
     */
    public synchronized CompletionStage<Void> closeAsync() {
        if (closing == null) {
            closing = new CompletableFuture<>();
            new ServerStopper(vertx, api, ownsBroker).stop().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.atWarn().setCause(e).log("shutdown did not complete cleanly");
                }
                closing.complete(null);
            });
        }
        return closing;
    }

    /**
     * Shuts down gracefully and waits for it (at most twice the shutdown timeout plus a margin).
     *
     * @throws SpoolException {@code unavailable} if the shutdown did not finish in time
     */
    @Override
    public void close() {
        long ms = 2 * api.config.shutdownTimeoutMs() + 10_000;
        try {
            closeAsync().toCompletableFuture().get(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SpoolException.unavailable("interrupted while closing", e);
        } catch (ExecutionException | TimeoutException e) {
            throw SpoolException.unavailable("server did not close in time", e);
        }
    }

    /** The options of the Vert.x instance a server runs on. */
    static VertxOptions vertxOptions(ServerConfig config) {
        VertxOptions o = new VertxOptions();
        int loops = config.listener().eventLoops();
        if (loops > 0) {
            o.setEventLoopPoolSize(loops);
        }
        return o.setPreferNativeTransport(false);
    }
}
