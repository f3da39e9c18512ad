package dev.spool.server;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * A blocking {@link OutputStream} over an HTTP response, for a worker thread that reads a payload
 * from storage: bytes go out in 64 KiB chunks, and the writer waits whenever the connection's
 * write queue is full, so a slow client holds at most one chunk plus the queue in memory.
 *
 * <p>Every touch of the response happens on its event-loop context. If the client goes away the
 * next write fails with an {@link IOException}. A client that stops reading holds a worker thread
 * (there are 20), so the wait is bounded: when the write queue has not drained within
 * {@code stallMs} ({@code body-timeout-ms}), the response is reset and the writer fails.
 */
final class ResponseOutputStream extends OutputStream {
    private static final int CHUNK = 64 * 1024;

    private final HttpServerResponse resp;
    private final Context ctx;
    private final byte[] buf = new byte[CHUNK];
    private int n;
    private volatile CompletableFuture<Void> pending;
    private volatile boolean gone;
    private final long stallMs;

    ResponseOutputStream(RoutingContext rc, Context ctx, long stallMs) {
        this.resp = rc.response();
        this.ctx = ctx;
        this.stallMs = stallMs;
        rc.addEndHandler(ar -> {
            gone = true;
            CompletableFuture<Void> p = pending;
            if (p != null) {
                p.completeExceptionally(new IOException("client gone"));
            }
        });
    }

    @Override
    public void write(int b) throws IOException {
        if (n == CHUNK) {
            flushChunk();
        }
        buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (n == CHUNK) {
                flushChunk();
            }
            int k = Math.min(len, CHUNK - n);
            System.arraycopy(b, off, buf, n, k);
            n += k;
            off += k;
            len -= k;
        }
    }

    private void flushChunk() throws IOException {
        if (n == 0) {
            return;
        }
        Buffer chunk = Buffer.buffer(n).appendBytes(buf, 0, n);
        n = 0;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        pending = ready;
        if (gone) {
            throw new IOException("client gone");
        }
        ctx.runOnContext(v -> {
            if (resp.closed() || resp.ended()) {
                ready.completeExceptionally(new IOException("client gone"));
                return;
            }
            resp.write(chunk);
            if (resp.writeQueueFull()) {
                resp.drainHandler(x -> ready.complete(null));
            } else {
                ready.complete(null);
            }
        });
        awaitDrain(ready);
    }

    private void awaitDrain(CompletableFuture<Void> ready) throws IOException {
        if (stallMs <= 0) {
            await(ready);
            return;
        }
        try {
            ready.get(stallMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            gone = true;
            ctx.runOnContext(v -> resp.reset());
            throw new IOException("client stopped reading the reply");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Sends what is buffered and ends the response. */
    @Override
    public void close() throws IOException {
        flushChunk();
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.runOnContext(v -> {
            if (!resp.ended() && !resp.closed()) {
                resp.end();
            }
            done.complete(null);
        });
        await(done);
    }

    private static void await(CompletableFuture<Void> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }
}
