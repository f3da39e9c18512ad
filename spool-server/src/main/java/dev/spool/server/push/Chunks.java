package dev.spool.server.push;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers that streamed payloads are read into: {@value PayloadStream#CHUNK} bytes each,
 * handed out by {@link #take()} and given back by {@link #give(ByteBuffer)} when the socket has
 * them, then reused. Up to {@value #KEEP} idle ones are kept (32 MiB); beyond that a buffer
 * given back is left to the garbage collector. A new direct buffer costs zeroing and first-touch
 * page faults of its memory, and a general pool (netty's) frees and re-creates whole arena chunks
 * as bursts of deliveries come and go, which cost as much again as the copies they carry
 * (profile of {@code spool bench push} with 10 MiB payloads to 100 endpoints); a free list of
 * equal buffers has neither cost once warm.
 *
 * <p>Thread-safe: taken on worker threads, given back on event loops.
 */
final class Chunks {
    /** Idle buffers kept for reuse. */
    static final int KEEP = 128;
    static final Chunks POOL = new Chunks(KEEP);

    private final ConcurrentLinkedQueue<ByteBuffer> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final AtomicInteger inUse = new AtomicInteger();
    private final int keep;

    Chunks(int keep) {
        this.keep = keep;
    }

    /** A cleared buffer of {@value PayloadStream#CHUNK} bytes. */
    ByteBuffer take() {
        ByteBuffer b = idle.poll();
        if (b == null) {
            // may fail (direct memory exhausted): then nothing was taken
            b = ByteBuffer.allocateDirect(PayloadStream.CHUNK);
        } else {
            idleCount.decrementAndGet();
        }
        inUse.incrementAndGet();
        return b.clear();
    }

    /** Gives back a buffer from {@link #take()} that nothing reads any more. */
    void give(ByteBuffer b) {
        inUse.decrementAndGet();
        if (idleCount.incrementAndGet() <= keep) {
            idle.offer(b);
        } else {
            idleCount.decrementAndGet();
        }
    }

    /** Buffers taken and not given back. */
    int inUse() {
        return inUse.get();
    }

    /** Idle buffers kept. */
    int idle() {
        return idleCount.get();
    }
}
