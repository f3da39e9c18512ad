package dev.spool.server.edge;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap that request bodies being read may hold, all connections together
 * ({@code max-body-bytes-in-flight}).
 *
 * <p>Memory is committed as bytes arrive, never from a declared {@code Content-Length}: a client
 * that declares 32 MiB and sends nothing holds nothing. A reader {@linkplain #tryAcquire acquires}
 * each chunk before keeping it and {@linkplain #release releases} everything it acquired once the
 * body is no longer needed (the request ended, failed or its connection closed). When a chunk does
 * not fit, the request is refused ({@code 429} with {@code Retry-After}) and its bytes are dropped,
 * so the budget bounds the heap held by bodies whatever clients send.
 *
 * <p>Thread-safe and lock-free.
 */
public final class BodyBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /**
     * A budget of {@code limit} bytes.
     *
     * @param limit bytes of request bodies that may be held at once
     */
    public BodyBudget(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative");
        }
        this.limit = limit;
    }

    /**
     * Takes {@code n} bytes from the budget if they fit.
     *
     * @param n bytes about to be kept
     * @return whether they were taken (if not, nothing was taken)
     */
    public boolean tryAcquire(long n) {
        long cur;
        do {
            cur = used.get();
            if (cur + n > limit) {
                return false;
            }
        } while (!used.compareAndSet(cur, cur + n));
        return true;
    }

    /**
     * Gives back {@code n} bytes taken by {@link #tryAcquire}.
     *
     * @param n bytes no longer held
     */
    public void release(long n) {
        if (n > 0) {
            used.addAndGet(-n);
        }
    }

    /** Bytes held now. */
    public long used() {
        return used.get();
    }

    /** The budget. */
    public long limit() {
        return limit;
    }
}
