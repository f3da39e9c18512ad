package dev.spool.server.sqs;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Broker;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;

/**
 * What the SQS actions share: the broker, the SQS-only records, ARNs and URLs, a way to run
 * blocking work off the event loop, and the translation of Spool failures into SQS errors.
 */
final class SqsContext {
    private static final Logger LOG = LoggerFactory.getLogger(SqsContext.class);

    final Broker broker;
    final Arns arns;
    final SqsConfig config;
    final MoveTasks moves;
    final SqsCounters counters;
    private final Vertx vertx;

    SqsContext(Vertx vertx, Broker broker, SqsConfig config, SqsCounters counters) {
        this.vertx = vertx;
        this.counters = counters;
        this.broker = broker;
        this.config = config;
        this.arns = new Arns(config.region(), config.accountId());
        this.moves = new MoveTasks();
    }

    /** The queue a request's {@code QueueUrl} names, with its SQS record. */
    CompletionStage<QueueView> queue(Params p) {
        String name;
        try {
            name = arns.queueFromUrl(p.required("QueueUrl"));
        } catch (SqsError e) {
            return CompletableFuture.failedFuture(e);
        }
        return view(name);
    }

    /** A queue by name with its SQS record; {@code NonExistentQueue} when Spool has no such queue. */
    CompletionStage<QueueView> view(String name) {
        return broker.getQueue(name).handle((info, e) -> {
            if (e != null) {
                throw translate(e);
            }
            return viewOf(info);
        });
    }

    QueueView viewOf(QueueInfo info) {
        return new QueueView(info, QueueMeta.of(info));
    }

    /** Runs blocking work (large payloads) on a worker thread. */
    <T> CompletionStage<T> blocking(Callable<T> work) {
        return vertx.executeBlocking(work, false).toCompletionStage();
    }

    /** The SQS error a failure of the broker (or of an action) stands for. */
    static SqsError translate(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof SqsError s) {
            return s;
        }
        if (e instanceof SpoolException s) {
            return switch (s.code()) {
                case QUEUE_NOT_FOUND -> SqsError.nonExistentQueue();
                case INVALID_ARGUMENT, BAD_REQUEST, CONFLICT, STALE_RECEIPT -> SqsError.invalidParameter(
                        s.getMessage() + s.field().map(f -> " (" + f + ")").orElse(""));
                case PAYLOAD_TOO_LARGE -> SqsError.invalidParameter(s.getMessage());
                case TOO_MANY_REQUESTS -> SqsError.throttled(s.getMessage());
                case UNAVAILABLE -> SqsError.unavailable(s.getMessage());
                case NOT_IMPLEMENTED -> SqsError.unsupported(s.getMessage());
                default -> unexpected(s);
            };
        }
        return unexpected(e);
    }

    private static SqsError unexpected(Throwable e) {
        LOG.error("unexpected failure in the SQS endpoint", e);
        return SqsError.internal();
    }
}
