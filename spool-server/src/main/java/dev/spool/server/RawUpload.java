package dev.spool.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

import io.vertx.core.buffer.Buffer;
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
 * are spooled to a file under the data directory and handed over as {@link Payload#ofFile(Path,
 * long, int)} with the CRC32C of their bytes, computed as they arrive, so that the journal need not
 * read the file through for it. The receiver deletes the file ({@link #delete}) once the broker has
 * copied it. Memory storage keeps everything on the heap anyway, so it never spools. A body over
 * the bound is refused with 413 (at once when its declared length says so), a stalled one with 400,
 * and an upload that ends early changes nothing and leaves no file behind.
 *
 * <p>The spool file is written on the event loop itself: chunks are gathered in a direct buffer of
 * {@value #BLOCK} bytes and each full block goes to the file with one positional write, which only
 * copies into the page cache (the file is temporary and never forced). That measured cheaper than an
 * {@code AsyncFile}, whose every chunk took two thread hops and a copy into a temporary direct
 * buffer, and needs no back-pressure: a chunk is in the file before the next one is read.
 */
final class RawUpload {
    private static final Logger LOG = LoggerFactory.getLogger(RawUpload.class);
    /** Bytes gathered before one write to the spool file. */
    static final int BLOCK = 256 << 10;
    /** Blocks kept for reuse per event loop. */
    private static final int POOLED = 4;
    private static final ThreadLocal<ArrayDeque<ByteBuffer>> BLOCKS = ThreadLocal.withInitial(ArrayDeque::new);

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
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            } catch (IOException | RuntimeException e) {
                Bodies.refuse(rc, SpoolException.unavailable("cannot spool the upload", e));
                return;
            }
            new Upload(api, rc, limit, tooLarge, file, ch, to).start();
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

    private static ByteBuffer takeBlock() {
        ByteBuffer b = BLOCKS.get().poll();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(BLOCK);
    }

    private static void returnBlock(ByteBuffer b) {
        ArrayDeque<ByteBuffer> pool = BLOCKS.get();
        if (pool.size() < POOLED) {
            pool.push(b);
        }
    }

    /** One body streaming into its spool file (event loop only). */
    private static final class Upload {
        private final Api api;
        private final RoutingContext rc;
        private final long limit;
        private final Supplier<SpoolException> tooLarge;
        private final Path path;
        private final FileChannel file;
        private final Receiver to;
        private final CRC32C crc = new CRC32C();
        private ByteBuffer block = takeBlock();
        private long size;
        /** Bytes of the body already in the file. */
        private long flushed;
        private boolean done;
        private BodyDeadline deadline;
        private boolean slow;

        Upload(Api api, RoutingContext rc, long limit, Supplier<SpoolException> tooLarge, Path path, FileChannel file,
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
            req.handler(this::chunk);
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

        private void chunk(Buffer chunk) {
            if (done) {
                return;
            }
            size += chunk.length();
            if (size > limit) {
                abort(tooLarge.get());
                return;
            }
            ByteBuffer in = chunk.getByteBuf().nioBuffer();
            try {
                while (in.hasRemaining()) {
                    int n = Math.min(in.remaining(), block.remaining());
                    block.put(block.position(), in, in.position(), n);
                    block.position(block.position() + n);
                    in.position(in.position() + n);
                    if (!block.hasRemaining()) {
                        flush();
                    }
                }
            } catch (IOException | RuntimeException e) {
                abort(SpoolException.unavailable("cannot spool the upload", e));
            }
        }

        /** Writes the gathered bytes at their place in the file, adding them to the CRC. */
        private void flush() throws IOException {
            block.flip();
            crc.update(block.duplicate());
            while (block.hasRemaining()) {
                flushed += file.write(block, flushed);
            }
            block.clear();
        }

        private void finish() {
            deadline.cancel();
            if (done) {
                return;
            }
            try {
                flush();
                file.close();
            } catch (IOException | RuntimeException e) {
                abort(SpoolException.unavailable("cannot spool the upload", e));
                return;
            }
            release();
            try {
                to.accept(Payload.ofFile(path, size, (int) crc.getValue()), Optional.of(path));
            } catch (RuntimeException e) {
                delete(api, path);
                Errors.send(rc.response(), e);
            }
        }

        /** Marks the upload done and gives its block back. */
        private void release() {
            done = true;
            returnBlock(block);
            block = null;
        }

        private void abort(SpoolException e) {
            if (done) {
                return;
            }
            release();
            if (deadline != null) {
                deadline.cancel();
            }
            try {
                file.close();
                Files.deleteIfExists(path);
            } catch (IOException | RuntimeException x) {
                delete(api, path);
            }
            if (slow) {
                Bodies.cutOff(rc, e);
            } else {
                Bodies.refuse(rc, e);
            }
        }
    }
}
