package dev.spool.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.server.trace.Tracing;

/**
 * A raw push: the request body is one message's payload, its metadata in {@code Spool-*} headers.
 *
 * <p>The body's bound is the queue's {@code max_message_bytes}, so the queue's configuration is
 * read before a byte of the body: a larger {@code Content-Length} gets 413 at once, a chunked body
 * is cut off when it passes the bound. The body is received by {@link RawUpload}: small ones on
 * the heap, large ones spooled to a file and pushed as {@link Payload#ofFile}, the file deleted
 * once the broker has copied it.
 */
final class RawPush {
    private final Api api;

    RawPush(Api api) {
        this.api = api;
    }

    void handle(RoutingContext rc, String queue) {
        HttpServerRequest req = rc.request();
        req.pause();
        NewMessage template;
        long declared;
        try {
            template = SpoolHeaders.read(req.headers());
            declared = Bodies.contentLength(req);
        } catch (SpoolException e) {
            Bodies.refuse(rc, e);
            return;
        }
        Api.on(api.vertx.getOrCreateContext(), sizeLimit(queue), (limit, e) -> {
            if (e != null) {
                Bodies.refuse(rc, Errors.toSpool(e));
            } else {
                RawUpload.receive(api, rc, declared, limit, () -> new SpoolException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "message exceeds the queue's max_message_bytes of " + limit),
                        (payload, file) -> push(rc, queue, template, payload, file));
            }
        });
    }

    /** The queue's max_message_bytes, or the default's when the queue will be auto-created. */
    private CompletionStage<Long> sizeLimit(String queue) {
        return api.broker.getQueue(queue).handle((info, e) -> {
            if (e == null) {
                return info.config().maxMessageBytes();
            }
            SpoolException s = Errors.toSpool(e);
            if (s.code() == ErrorCode.QUEUE_NOT_FOUND && api.broker.settings().autoCreateQueues()) {
                return api.broker.settings().queueDefaults().maxMessageBytes();
            }
            throw s;
        });
    }

    private void push(RoutingContext rc, String queue, NewMessage template, Payload payload, Optional<Path> file) {
        NewMessage m = withPayload(template, payload);
        long t0 = api.tracing.now();
        CompletionStage<long[]> pushed = api.broker.push(queue, List.of(m));
        if (api.tracing.enabled()) {
            pushed.whenComplete((ids, e) -> api.tracing.pushed(Tracing.Transport.HTTP, queue, List.of(m), ids, t0, e));
        }
        pushed.whenComplete((ids, e) -> file.ifPresent(f -> RawUpload.delete(api, f)));
        api.reply(rc, pushed, ids -> {
            api.metrics.queue(queue).pushed.increment(ids.length);
            Api.json(rc.response(), 200, Json.render(g -> PushRoutes.writeIds(g, ids)));
        });
    }

    private static NewMessage withPayload(NewMessage t, Payload p) {
        MessageBody b = t.body();
        MessageBody body = new MessageBody(p, b.contentType(), b.headers(), b.key(), b.priority(), b.traceparent());
        return new NewMessage(body, t.delayMs(), t.notBeforeMs(), t.ttlMs(), t.dedupId());
    }
}
