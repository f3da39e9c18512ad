package dev.spool.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graceful shutdown sequence of a {@link SpoolServer}:
 * <ol>
 * <li>refuse new requests (503) and stop streams from leasing more;</li>
 * <li>wait until every request in flight is a waiting long poll (bounded by
 * {@code shutdown-timeout-ms});</li>
 * <li>close the broker if the server owns it: waiting pops return empty and are answered,
 * everything accepted is made durable;</li>
 * <li>wait for the last replies, close streams with 1001, stop Vert.x (listeners and connections).</li>
 * </ol>
 */
final class ServerStopper {
    private static final Logger LOG = LoggerFactory.getLogger(ServerStopper.class);

    private final Vertx vertx;
    private final Api api;
    private final boolean ownsBroker;

    ServerStopper(Vertx vertx, Api api, boolean ownsBroker) {
        this.vertx = vertx;
        this.api = api;
        this.ownsBroker = ownsBroker;
    }

    CompletionStage<Void> stop() {
        long timeout = api.config.shutdownTimeoutMs();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        LOG.atInfo().log("spool server shutting down");
        api.state.beginClosing();
        return bounded(api.state.busyDrained(), deadline)
                .thenCompose(v -> api.push.close(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))))
                .thenCompose(v -> closeBroker())
                .thenCompose(v -> bounded(api.state.allDrained(), deadline))
                .thenCompose(v -> {
                    api.state.streams().forEach(StreamSession::shutdown);
                    return vertx.close().toCompletionStage();
                })
                .whenComplete((v, e) -> {
                    api.metrics.close();
                    api.tracing.close();
                })
                .thenRun(() -> LOG.atInfo().log("spool server stopped"));
    }

    private CompletionStage<Void> closeBroker() {
        if (!ownsBroker) {
            return CompletableFuture.completedFuture(null);
        }
        return vertx.<Void>executeBlocking(() -> {
            ServerStarter.closeQuietly(api.broker);
            return null;
        }, false).toCompletionStage();
    }

    private static CompletionStage<Void> bounded(CompletableFuture<Void> f, long deadlineNanos) {
        long left = Math.max(0, deadlineNanos - System.nanoTime());
        return f.copy().completeOnTimeout(null, left, TimeUnit.NANOSECONDS);
    }
}
