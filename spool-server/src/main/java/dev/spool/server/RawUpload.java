package dev.spool.server;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import io.vertx.core.Context;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.server.edge.BodyDeadline;

/**
 * Receives a raw request body of any content type as one {@link Payload}, within a bound: the body
 * of a raw push and of a lock state write.
 *
 * <p>Small bodies (a declared length up to {@code spool-threshold-bytes}) are collected on the heap
 * within the server's body budget ({@link Bodies#read}); large ones, and those of unknown length,
 * are spooled to a file under the data directory through an {@link AsyncFile} with back-pressure
 * and handed over as {@link Payload#ofFile}. The receiver deletes the file ({@link #delete}) once
 * the broker has copied it. Memory storage keeps everything on the heap anyway, so it never spools.
 * A body over the bound is refused with 413 (at once when its declared length says so), a stalled
 * one with 400, and an upload that ends early changes nothing.
 */
final class RawUpload {
    private static final Logger LOG = LoggerFactory.getLogger(RawUpload.class);

    /** What receives the body: the payload, and the spool file to delete afterwards, if any. */
    @FunctionalInterface
    interface Receiver {
        void accept(Payload payload, Optional<Path> file);
    }

    private RawUpload() {
    }

    /**
     * Reads the body of {@code rc} (paused by the caller or not yet read) and hands it to {@code to}.
     *
     * @param declared the declared body length, or -1 when unknown
     * @param limit most bytes accepted
     * @param tooLarge the refusal of a body over {@code limit}
     */
    static void receive(Api api, RoutingContext rc, long declared, long limit, Supplier<SpoolException> tooLarge,
            Receiver to) {
        if (declared > limit) {
            Bodies.refuse(rc, tooLarge.get());
        } else if (api.spoolDir.isEmpty() || declared >= 0 && declared <= api.config.storage().spoolThresholdBytes()) {
            Bodies.read(api, rc, limit, body -> to.accept(Payload.of(body.getBytes()), Optional.empty()));
        } else {
            Path file = api.spoolDir.get().resolve("upload-" + UUID.randomUUID() + ".tmp");
            OpenOptions opts = new OpenOptions().setWrite(true).setCreateNew(true);
            api.vertx.fileSystem().open(file.toString(), opts).onComplete(ar -> {
                if (ar.failed()) {
                    Bodies.refuse(rc, SpoolException.unavailable("cannot spool the upload", ar.cause()));
                    return;
                }
                new Upload(api, rc, limit, tooLarge, file, ar.result(), to).start();
            });
        }
    }

    /** Deletes a spool file the broker no longer needs. */
    static void delete(Api api, Path file) {
        api.vertx.fileSystem().delete(file.toString()).onFailure(e -> {
            if (!(e instanceof java.nio.file.NoSuchFileException)) {
                LOG.atWarn().addKeyValue("file", file).log("could not delete a spooled upload");
            }
        });
    }

    /** One body streaming into its spool file. */
    private static final class Upload {
        private final Api api;
        private final RoutingContext rc;
        private final long limit;
        private final Supplier<SpoolException> tooLarge;
        private final Path path;
        private final AsyncFile file;
        private final Receiver to;
        private long size;
        private boolean aborted;
        private BodyDeadline deadline;
        private boolean slow;

        Upload(Api api, RoutingContext rc, long limit, Supplier<SpoolException> tooLarge, Path path, AsyncFile file,
                Receiver to) {
            this.api = api;
            this.rc = rc;
            this.limit = limit;
            this.tooLarge = tooLarge;
            this.path = path;
            this.file = file;
            this.to = to;
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
                    abort(tooLarge.get());
                    return;
                }
                file.write(chunk);
                if (file.writeQueueFull()) {
                    req.pause();
                }
            });
            req.exceptionHandler(e -> abort(new SpoolException(dev.spool.api.ErrorCode.BAD_REQUEST,
                    "request body incomplete")));
            req.endHandler(v -> finish());
            deadline = BodyDeadline.watch(api.vertx, req, api.config.edge().bodyTimeoutMs(),
                    () -> {
                        slow = true;
                        abort(new SpoolException(dev.spool.api.ErrorCode.BAD_REQUEST,
                                "request body arrived too slowly"));
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
                    try {
                        to.accept(Payload.ofFile(path, size), Optional.of(path));
                    } catch (RuntimeException e) {
                        delete(api, path);
                        Errors.send(rc.response(), e);
                    }
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
            file.close().onComplete(v -> delete(api, path));
            if (slow) {
                Bodies.cutOff(rc, e);
            } else {
                Bodies.refuse(rc, e);
            }
        }
    }
}
