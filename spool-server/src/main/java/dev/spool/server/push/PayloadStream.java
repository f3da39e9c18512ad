package dev.spool.server.push;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;

import dev.spool.api.Payload;

/**
 * Writes a streamed payload as the body of a request and ends it: chunks of {@value #CHUNK} bytes,
 * each read on a worker thread into a direct buffer of {@link Chunks} while the previous one goes out, and
 * only while the request's write queue has room, so a large payload flows from the journal or the
 * database to the socket with at most two chunks per request in memory and none on the heap.
 *
 * <p>A journal payload (a {@link Payload.FileRegion}) is read with positional reads of its
 * segment file straight into the buffer; a large payload on the heap ({@link Payload.Inline}) is
 * copied into the buffers on the event loop, so that netty does not copy the whole array into a
 * fresh direct buffer of its size for each request (zeroed and page-faulted, then freed: most of
 * the server's CPU with 10 MiB payloads to 100 endpoints); any other payload through its stream. A buffer goes back
 * to {@link Chunks} when the write of its chunk completes or fails, so neither the heap nor the
 * page allocator sees a chunk per chunk written.
 */
final class PayloadStream {
    static final int CHUNK = 256 * 1024;

    private final Context ctx;
    private final Payload payload;
    private final HttpClientRequest req;
    private final Promise<Void> written = Promise.promise();
    /** Only read on worker threads, one read at a time; closed by {@link #finish()}. */
    private FileChannel file;
    private InputStream in;
    private byte[] scratch;
    /** Bytes of the payload not read yet. */
    private long remaining;
    /** Where the next positional read of {@link #file} starts. */
    private long position;
    private boolean reading;
    private boolean ended;

    PayloadStream(Context ctx, Payload payload, HttpClientRequest req) {
        this.ctx = ctx;
        this.payload = payload;
        this.req = req;
        this.remaining = payload.size();
        this.position = payload instanceof Payload.FileRegion r ? r.offset() : 0;
    }

    /**
     * Starts writing on the request's context.
     *
     * @return completes when the whole payload is written and the request ended; fails if the
     *         payload cannot be read or the request fails midway
     */
    Future<Void> start() {
        ctx.runOnContext(v -> next());
        return written.future();
    }

    private void next() {
        if (reading || ended) {
            return;
        }
        if (remaining == 0) {
            end();
            return;
        }
        if (req.writeQueueFull()) {
            req.drainHandler(v -> next());
            return;
        }
        int n = (int) Math.min(CHUNK, remaining);
        if (payload instanceof Payload.Inline inline) {
            // already in memory: copied into a pooled chunk here (a 256 KiB copy), no thread hop
            ByteBuffer chunk;
            try {
                chunk = Chunks.POOL.take();
            } catch (OutOfMemoryError e) {
                fail(e);
                return;
            }
            chunk.put(inline.bytes(), (int) (inline.size() - remaining), n).flip();
            write(chunk, n);
            return;
        }
        reading = true;
        ctx.<ByteBuffer>executeBlocking(() -> read(n), false).onComplete(ar -> {
            reading = false;
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            ByteBuffer chunk = ar.result();
            if (ended) {
                // finished while this read ran: the read owned the file, so it closes it now
                Chunks.POOL.give(chunk);
                close();
                return;
            }
            write(chunk, n);
        });
    }

    /** Writes a chunk of {@code n} bytes and goes on with the next one (or ends the request). */
    private void write(ByteBuffer chunk, int n) {
        remaining -= n;
        Future<Void> w;
        try {
            // Vert.x hands the socket a view it does not release: the chunk is ours until the write completes
            w = req.write(Buffer.buffer(Unpooled.wrappedBuffer(chunk)));
        } catch (RuntimeException e) {
            Chunks.POOL.give(chunk);
            fail(e);
            return;
        }
        w.onComplete(x -> Chunks.POOL.give(chunk));
        if (remaining == 0) {
            // end in the same turn as the last chunk: the request is complete before any answer
            // can be read, so an endpoint that answers as soon as it has Content-Length bytes
            // never finds the request still open (Vert.x would then misfile the answer)
            end();
            return;
        }
        next();
    }

    /** Reads the next {@code n} bytes into a chunk, flipped for reading (on a worker thread). */
    private ByteBuffer read(int n) throws IOException {
        ByteBuffer buf = Chunks.POOL.take().limit(n);
        try {
            if (payload instanceof Payload.FileRegion region) {
                if (file == null) {
                    file = FileChannel.open(region.file(), StandardOpenOption.READ);
                }
                while (buf.hasRemaining()) {
                    int r = file.read(buf, position);
                    if (r < 0) {
                        throw new IOException("payload file ended " + (remaining - buf.position()) + " bytes early");
                    }
                    position += r;
                }
            } else {
                if (in == null) {
                    in = payload.openStream();
                    scratch = new byte[8 * 1024];
                }
                while (buf.hasRemaining()) {
                    int r = in.read(scratch, 0, Math.min(scratch.length, buf.remaining()));
                    if (r < 0) {
                        throw new IOException("payload ended " + (remaining - buf.position()) + " bytes early");
                    }
                    buf.put(scratch, 0, r);
                }
            }
            return buf.flip();
        } catch (IOException | RuntimeException e) {
            Chunks.POOL.give(buf);
            throw e;
        }
    }

    private void end() {
        if (ended) {
            return;
        }
        finish();
        req.end().onComplete(written);
    }

    private void fail(Throwable e) {
        if (!ended) {
            finish();
            written.tryFail(e);
        }
    }

    /** Stops reading and closes the payload (also when the request failed or was answered midway). */
    void finish() {
        ended = true;
        if (!reading) {
            close();
        }
    }

    private void close() {
        FileChannel f = file;
        InputStream s = in;
        file = null;
        in = null;
        if (f != null || s != null) {
            ctx.executeBlocking(() -> {
                closeQuietly(f);
                closeQuietly(s);
                return null;
            }, false);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing a read-only view of a payload: nothing was lost
        }
    }
}
