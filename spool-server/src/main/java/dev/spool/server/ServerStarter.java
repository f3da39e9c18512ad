package dev.spool.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.impl.VertxBuilder;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Broker;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.EdgeTransport;
import dev.spool.server.edge.Fatal;
import dev.spool.server.security.TlsSetup;

/**
 * Brings a server up: opens the broker off the event loop, prepares the upload directory, then
 * listens with one HTTP server instance per event loop (Vert.x spreads connections over them).
 * On any failure it releases what it opened.
 */
final class ServerStarter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerStarter.class);

    /** A running server's parts. */
    record Started(Vertx vertx, Api api, Router router, int port) {
    }

    private ServerStarter() {
    }

    static CompletionStage<Started> start(ServerConfig config, Optional<Broker> given) {
        try {
            SafeBind.check(config);
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        // the edge transport puts a ConnectionEdge in front of every connection (request-head deadlines)
        Vertx vertx = new VertxBuilder(SpoolServer.vertxOptions(config))
                .findTransport(new EdgeTransport(config.edge().headerTimeoutMs())).init().vertx();
        // Vert.x reports what handlers throw instead of letting the thread die; an OOME must still end the process
        vertx.exceptionHandler(e -> {
            if (!Fatal.onUncaught(e)) {
                LOG.atError().setCause(e).log("unhandled failure on an event loop");
            }
        });
        Metrics metrics = new Metrics(config.edge().metricsMaxQueues());
        CompletableFuture<Started> result = new CompletableFuture<>();
        Broker[] opened = new Broker[1];
        Api[] made = new Api[1];
        vertx.<Api>executeBlocking(() -> {
            Broker broker = given.orElseGet(() -> BrokerFactory.open(config, BrokerFactory.settings(config, metrics)));
            opened[0] = given.isPresent() ? null : broker;
            Optional<Path> uploads = prepareUploads(config);
            ServerState state = new ServerState(config.listener().maxConnections(), metrics);
            made[0] = new Api(vertx, broker, config, metrics, state, uploads);
            return made[0];
        }, false).compose(api -> {
            Future<Void> tokens = api.security.enabled()
                    ? Future.fromCompletionStage(api.security.tokens().start(vertx)) : Future.succeededFuture();
            return tokens.map(v -> api);
        }).compose(api -> {
            Router router = HttpApi.router(api);
            return listen(vertx, api, router).map(port -> new Started(vertx, api, router, port));
        })
                .onSuccess(s -> {
                    s.api().push.start();
                    s.api().keyring = KeyringWatch.start(vertx, s.api().broker, config.security().atRest());
                    LOG.atInfo().addKeyValue("host", config.listener().host()).addKeyValue("port", s.port())
                            .addKeyValue("tls", config.security().tls().isPresent())
                            .addKeyValue("auth", config.security().authRequired() ? "required" : "none")
                            .addKeyValue("storage", config.storage().storage().wire())
                            .addKeyValue("data_dir", config.storage().dataDir()).log("spool server listening");
                    result.complete(s);
                })
                .onFailure(e -> {
                    if (opened[0] != null) {
                        closeQuietly(opened[0]);
                    }
                    metrics.close();
                    if (made[0] != null) {
                        made[0].tracing.close(); // the span exporter's thread, when tracing is on
                    }
                    vertx.close();
                    result.completeExceptionally(e instanceof SpoolException ? e
                            : SpoolException.unavailable("server did not start: " + e.getMessage(), e));
                });
        return result;
    }

    private static Optional<Path> prepareUploads(ServerConfig config) {
        if (config.storage().storage() instanceof ServerConfig.Storage.Memory) {
            return Optional.empty();
        }
        Path dir = BrokerFactory.uploadDir(config);
        try {
            Files.createDirectories(dir);
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : (Iterable<Path>) old::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw SpoolException.unavailable("cannot prepare upload directory " + dir, e);
        }
        return Optional.of(dir);
    }

    private static Future<Integer> listen(Vertx vertx, Api api, Router router) {
        HttpServerOptions opts = options(api.config);
        Optional<TlsSetup> tls = api.config.security().tls().map(t -> new TlsSetup(t, vertx));
        if (tls.isPresent()) {
            try {
                tls.get().apply(opts);
            } catch (SpoolException e) {
                return Future.failedFuture(e);
            }
        }
        int loops = api.config.listener().eventLoops();
        int instances = loops > 0 ? loops : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
        // Vert.x shares one listening socket among servers of the same port; a negative port
        // means "one random port shared by all instances", which is what port 0 asks for here.
        int configured = api.config.listener().port();
        int port = configured == 0 ? -1 : configured;
        int[] bound = new int[1];
        List<HttpServer> servers = new CopyOnWriteArrayList<>();
        return vertx.deployVerticle(() -> new Listener(api, router, opts, port, bound, servers),
                new DeploymentOptions().setInstances(instances)).map(id -> {
                    tls.ifPresent(t -> api.tlsReload = () -> t.reload(servers));
                    tls.ifPresent(t -> t.watch(vertx, () -> servers));
                    return bound[0];
                });
    }

    static HttpServerOptions options(ServerConfig config) {
        ServerConfig.Listener l = config.listener();
        return new HttpServerOptions()
                .setHost(l.host())
                .setHandle100ContinueAutomatically(false)
                .setHttp2ClearTextEnabled(true)
                .setTcpNoDelay(true)
                .setCompressionSupported(false)
                .setMaxHeaderSize(64 * 1024)
                // a body reaches its handler in chunks of up to what one socket read brought, not
                // Netty's default 8 KiB: a 10 MiB upload is ~160 calls instead of 1,280
                .setMaxChunkSize(64 * 1024)
                // one bound for a message whether it comes in one frame or many: a larger frame
                // closes the socket (1009) before it is buffered, a larger fragmented message too
                .setMaxWebSocketMessageSize((int) Math.min(Integer.MAX_VALUE, l.maxRequestBytes()))
                .setMaxWebSocketFrameSize((int) Math.min(Integer.MAX_VALUE, l.maxRequestBytes()))
                // every stream may hold a body being read; the body budget bounds them all together
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(config.edge().maxHttp2Streams()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, l.idleTimeoutMs()));
    }

    static void closeQuietly(Broker b) {
        try {
            b.close();
        } catch (RuntimeException e) {
            LOG.atWarn().setCause(e).log("broker close failed");
        }
    }

    /** One HTTP server instance, bound to the event loop of its verticle. */
    private static final class Listener extends AbstractVerticle {
        private final Api api;
        private final Router router;
        private final HttpServerOptions opts;
        private final int port;
        private final int[] bound;
        private final List<HttpServer> servers;

        Listener(Api api, Router router, HttpServerOptions opts, int port, int[] bound, List<HttpServer> servers) {
            this.api = api;
            this.router = router;
            this.opts = opts;
            this.port = port;
            this.bound = bound;
            this.servers = servers;
        }

        @Override
        public void start(Promise<Void> started) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions(opts).setPort(port));
            servers.add(server);
            server.connectionHandler(api.state::onConnection);
            server.requestHandler(new Entry(router, api.config.edge().maxHttp2Streams())).listen().onSuccess(s -> {
                synchronized (bound) {
                    bound[0] = s.actualPort();
                }
                started.complete();
            }).onFailure(started::fail);
        }
    }
}
