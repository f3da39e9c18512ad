package dev.spool.server.push;

import java.io.IOException;
import java.io.InputStream;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import dev.spool.api.Payload;

/**
 * A payload as a Vert.x read stream: chunks of 64 KiB read on a worker thread only while the
 * consumer (the HTTP request being piped) asks for more, so a large payload flows from the journal
 * or the database to the socket with at most a few chunks on the heap.
 */
final class PayloadStream implements ReadStream<Buffer> {
    private static final int CHUNK = 64 * 1024;

    private final Context ctx;
    private final Payload payload;
    private InputStream in;
    /** Bytes not read yet: the stream ends with the chunk that reaches the payload's size. */
    private long remaining;
    private long demand = Long.MAX_VALUE;
    private boolean reading;
    private boolean ended;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;

    PayloadStream(Context ctx, Payload payload) {
        this.ctx = ctx;
        this.payload = payload;
        this.remaining = payload.size();
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
        exceptionHandler = h;
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
        handler = h;
        schedule();
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        demand = 0;
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        schedule();
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
        endHandler = h;
        return this;
    }

    private void schedule() {
        ctx.runOnContext(v -> readNext());
    }

    private void readNext() {
        if (reading || ended || demand <= 0 || handler == null) {
            return;
        }
        if (remaining == 0) {
            end();
            return;
        }
        reading = true;
        ctx.<Buffer>executeBlocking(() -> {
            if (in == null) {
                in = payload.openStream();
            }
            byte[] b = in.readNBytes((int) Math.min(CHUNK, remaining));
            return b.length == 0 ? null : Buffer.buffer(b);
        }, false).onComplete(ar -> {
            reading = false;
            if (ar.failed()) {
                finish();
                if (exceptionHandler != null) {
                    exceptionHandler.handle(ar.cause());
                }
                return;
            }
            if (ar.result() == null) {
                end();
                return;
            }
            if (demand != Long.MAX_VALUE) {
                demand--;
            }
            remaining -= ar.result().length();
            handler.handle(ar.result());
            if (remaining == 0) {
                // end in the same turn as the last chunk: the request is complete before any answer
                // can be read, so an endpoint that answers as soon as it has Content-Length bytes
                // never finds the request still open (Vert.x would then misfile the answer)
                end();
                return;
            }
            readNext();
        });
    }

    private void end() {
        if (ended) {
            return;
        }
        finish();
        if (endHandler != null) {
            endHandler.handle(null);
        }
    }

    /** Stops reading and closes the stream (also when the request failed midway). */
    void finish() {
        ended = true;
        if (in != null) {
            InputStream s = in;
            in = null;
            ctx.executeBlocking(() -> {
                close(s);
                return null;
            }, false);
        }
    }

    private static void close(InputStream s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing a read-only stream of a payload: nothing was lost
        }
    }
}
