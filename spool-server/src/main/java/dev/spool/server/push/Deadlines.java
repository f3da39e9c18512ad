package dev.spool.server.push;

import java.util.ArrayDeque;

import io.vertx.core.Vertx;

/**
 * The timeouts of one poster's requests, with one Vert.x timer for all of them instead of one per
 * request (setting and cancelling a timer per request was a visible share of a small delivery's
 * cost). Every entry has the same timeout, so deadlines come in the order entries are added: the
 * queue's first unsettled entry is always the next to expire, and the single timer is armed for it.
 * Settling an entry only forgets its action; settled entries leave the queue when they reach its
 * head, so while one request hangs the queue holds a few bytes per request started since, never
 * their messages.
 *
 * <p>Not thread-safe: used on the poster's context only (the timer fires there too).
 */
final class Deadlines {
    /** A request's deadline; its action runs if the deadline passes before {@link #settle(Entry)}. */
    static final class Entry {
        private final long atNanos;
        private Runnable action;

        private Entry(long atNanos, Runnable action) {
            this.atNanos = atNanos;
            this.action = action;
        }
    }

    private final Vertx vertx;
    private final long timeoutMs;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private long timer = -1;
    /** Timed-out actions are running: an entry they add is armed for by {@link #fire()} when they return. */
    private boolean firing;

    Deadlines(Vertx vertx, long timeoutMs) {
        this.vertx = vertx;
        this.timeoutMs = timeoutMs;
    }

    /** The timeout of every entry. */
    long timeoutMs() {
        return timeoutMs;
    }

    /** Runs {@code onTimeout} in {@code timeoutMs} unless the entry is settled before. */
    Entry add(Runnable onTimeout) {
        Entry e = new Entry(System.nanoTime() + timeoutMs * 1_000_000, onTimeout);
        queue.addLast(e);
        if (timer < 0 && !firing) {
            arm(timeoutMs);
        }
        return e;
    }

    /** The request ended: its timeout will not run. */
    void settle(Entry e) {
        e.action = null;
        Entry head;
        while ((head = queue.peekFirst()) != null && head.action == null) {
            queue.pollFirst();
        }
    }

    /** Entries not yet dropped from the queue (for tests). */
    int queued() {
        return queue.size();
    }

    private void arm(long ms) {
        timer = vertx.setTimer(Math.max(1, ms), t -> fire());
    }

    private void fire() {
        timer = -1;
        firing = true;
        try {
            Entry e;
            while ((e = queue.peekFirst()) != null) {
                long left = e.atNanos - System.nanoTime();
                if (e.action != null && left > 0) {
                    arm((left + 999_999) / 1_000_000);
                    return;
                }
                queue.pollFirst();
                Runnable a = e.action;
                e.action = null;
                if (a != null) {
                    a.run();
                }
            }
        } finally {
            firing = false;
        }
    }
}
