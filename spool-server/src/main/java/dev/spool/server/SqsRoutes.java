package dev.spool.server;

import java.nio.file.Path;
import java.util.Optional;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.server.sqs.SqsCounters;
import dev.spool.server.sqs.SqsEndpoint;

/**
 * Mounts the SQS-compatible endpoint ({@code dev.spool.server.sqs}, {@code docs/sqs.md}) on the
 * API's port: {@code POST /} and {@code POST /<account>/<queue>} when the request is an SQS one
 * (an {@code X-Amz-Target: AmazonSQS.*} header or a form body). The body is read under the
 * server's {@code max-request-bytes} like every other JSON body.
 *
 * <p>It is registered before the {@code AuthHandler}: SQS SDKs cannot send a bearer token, so the
 * endpoint authenticates (Signature Version 4 keys mapped to identities, or Spool credentials) and
 * authorizes its requests itself ({@code docs/security.md}).
 */
final class SqsRoutes {
    private final Api api;

    SqsRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        if (!api.config.sqs().enabled()) {
            return;
        }
        Optional<Path> dir = api.config.storage().storage() instanceof ServerConfig.Storage.Memory
                ? Optional.empty() : Optional.of(api.config.storage().dataDir().resolve("sqs"));
        SqsEndpoint endpoint = SqsEndpoint.create(api.vertx, api.broker, api.config.sqs(), dir,
                new Counters(api.metrics), Optional.of(api.security));
        Handler<RoutingContext> h = rc -> {
            if (!endpoint.accepts(rc.request())) {
                rc.next();
                return;
            }
            Bodies.read(api, rc, api.maxRequestBytes(), body -> endpoint.handle(rc.request(), body));
        };
        r.post("/").handler(h);
        r.postWithRegex("/[0-9]{12}/[A-Za-z0-9._-]{1,128}").handler(h);
    }

    /** SQS traffic in the same per-queue counters as the native API's. */
    private record Counters(Metrics metrics) implements SqsCounters {
        @Override
        public void pushed(String queue, int n) {
            metrics.queue(queue).pushed.increment(n);
        }

        @Override
        public void popped(String queue, int n) {
            metrics.queue(queue).popped.increment(n);
        }

        @Override
        public void acked(String queue, int n) {
            metrics.queue(queue).acked.increment(n);
        }

        @Override
        public void nacked(String queue, int n) {
            metrics.queue(queue).nacked.increment(n);
        }

        @Override
        public void deleted(String queue) {
            metrics.forget(queue);
        }
    }
}
