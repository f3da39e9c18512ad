package dev.spool.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import io.vertx.core.Context;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.BodyDeadline;

/**
 * A raw push: the request body is one message's payload, its metadata in {@code Spool-*} headers.
 *
 * <p>The body's bound is the queue's {@code max_message_bytes}, so the queue's configuration is
 * read before a byte of the body: a larger {@code Content-Length} gets 413 at once, a chunked body
 * is cut off when it passes the bound. Small bodies are collected on the heap; large ones (and
 * those of unknown length) are spooled to a file under the data directory through an
 * {@link AsyncFile} with back-pressure, pushed as {@link Payload#ofFile}, and the file is deleted
 * once the broker has copied it. Memory storage keeps everything on the heap anyway, so it never
 * spools.
 */
final class RawPush {
    private static final Logger LOG = LoggerFactory.getLogger(RawPush.class);

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
            } else if (declared > limit) {
                Bodies.refuse(rc, new SpoolException(ErrorCode.PAYLOAD_TOO_LARGE,
                        "message exceeds the queue's max_message_bytes of " + limit));
            } else if (api.spoolDir.isEmpty()
                    || declared >= 0 && declared <= api.config.storage().spoolThresholdBytes()) {
                Bodies.read(api, rc, limit, body -> push(rc, queue, template, Payload.of(body.getBytes()), Optional.empty()));
            } else {
                spool(rc, queue, template, limit, api.spoolDir.get());
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

    private void spool(RoutingContext rc, String queue, NewMessage template, long limit, Path dir) {
        Path file = dir.resolve("upload-" + UUID.randomUUID() + ".tmp");
        OpenOptions opts = new OpenOptions().setWrite(true).setCreateNew(true);
        api.vertx.fileSystem().open(file.toString(), opts).onComplete(ar -> {
            if (ar.failed()) {
                Bodies.refuse(rc, SpoolException.unavailable("cannot spool the upload", ar.cause()));
                return;
            }
            new Upload(rc, queue, template, limit, file, ar.result()).start();
        });
    }

    private void push(RoutingContext rc, String queue, NewMessage template, Payload payload, Optional<Path> file) {
        NewMessage m = withPayload(template, payload);
        CompletionStage<long[]> pushed = api.broker.push(queue, List.of(m));
        pushed.whenComplete((ids, e) -> file.ifPresent(this::delete));
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

    private void delete(Path file) {
        api.vertx.fileSystem().delete(file.toString()).onFailure(e -> {
            if (!(e instanceof java.nio.file.NoSuchFileException)) {
                LOG.atWarn().addKeyValue("file", file).log("could not delete a spooled upload");
            }
        });
    }

    /** One body streaming into its spool file. */
    private final class Upload {
        private final RoutingContext rc;
        private final String queue;
        private final NewMessage template;
        private final long limit;
        private final Path path;
        private final AsyncFile file;
        private long size;
        private boolean aborted;
        private BodyDeadline deadline;
        private boolean slow;

        Upload(RoutingContext rc, String queue, NewMessage template, long limit, Path path, AsyncFile file) {
            this.rc = rc;
            this.queue = queue;
            this.template = template;
            this.limit = limit;
            this.path = path;
            this.file = file;
        }

        void start() {
            HttpServerRequest req = rc.request();
            file.exceptionHandler(e -> abort(SpoolException.unavailable("cannot spool the upload", e)));
            file.drainHandler(v -> req.resume());
            req.handler(chunk -> {
                if (aborted) {
                    return;
                }
                size += chunk.length();
                if (size > limit) {
                    abort(new SpoolException(ErrorCode.PAYLOAD_TOO_LARGE,
                            "message exceeds the queue's max_message_bytes of " + limit));
                    return;
                }
                file.write(chunk);
                if (file.writeQueueFull()) {
                    req.pause();
                }
            });
            req.exceptionHandler(e -> abort(new SpoolException(ErrorCode.BAD_REQUEST, "request body incomplete")));
            req.endHandler(v -> finish());
            deadline = BodyDeadline.watch(api.vertx, req, api.config.edge().bodyTimeoutMs(),
                    () -> {
                        slow = true;
                        abort(new SpoolException(ErrorCode.BAD_REQUEST, "request body arrived too slowly"));
                    });
            Bodies.continueIfExpected(req);
            req.resume();
        }

        private void finish() {
            deadline.cancel();
            if (aborted) {
                return;
            }
            Context ctx = api.vertx.getOrCreateContext();
            file.close().onComplete(ar -> ctx.runOnContext(x -> {
                if (ar.failed()) {
                    abort(SpoolException.unavailable("cannot spool the upload", ar.cause()));
                } else {
                    push(rc, queue, template, Payload.ofFile(path, size), Optional.of(path));
                }
            }));
        }

        private void abort(SpoolException e) {
            if (aborted) {
                return;
            }
            aborted = true;
            if (deadline != null) {
                deadline.cancel();
            }
            file.close().onComplete(v -> delete(path));
            if (slow) {
                Bodies.cutOff(rc, e);
            } else {
                Bodies.refuse(rc, e);
            }
        }
    }
}
