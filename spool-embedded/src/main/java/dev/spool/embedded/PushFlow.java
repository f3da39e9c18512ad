package dev.spool.embedded;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.spool.api.SpoolException;

/**
 * Flow control of pushes: producers are held back while the consumers of a queue are busy and
 * behind, so that they cannot bury them. The design decision it isolates: a push to a queue one of
 * whose groups has more ready messages than its bound ({@link FlowControl}: a number of
 * milliseconds of that group's current take rate, capped by a number of messages) <i>and</i> an
 * active consumer (it holds leases, or took a message in the last {@link #ACTIVE_NANOS}) is held on
 * the engine thread — not refused — and applied once that group's ready backlog is back under the
 * bound, its consumers stopped taking messages, or it has waited {@link FlowControl#maxHoldMs()}.
 * The producer sees a slower acceptance, as RabbitMQ's credit flow gives: a producer with N
 * unconfirmed messages pushes no faster than the consumers take.
 *
 * <p>Why it is needed: every reply waits for the group commit of its batch, so per commit a
 * producer with a window of 1,000 messages gets up to 1,000 confirmed while a consumer popping 100
 * gets 100, and its ack needs another commit; unthrottled producers then grow the backlog without
 * bound and every pop waits behind the fsync of megabytes of pushed payload. Holding the pushes
 * keeps the commits small and the share of consumers in them fair. Bounding the backlog in time
 * rather than in messages bounds the end-to-end latency: a message waits at most about
 * {@link FlowControl#backlogMs()} in the ready backlog, plus the time its push was held.
 *
 * <p>The take rate of a group is measured over windows of {@link #RATE_WINDOW_NANOS} and smoothed
 * (each window counts half). A queue without active consumers (a buffer being filled, a consumer
 * that stopped) is never held. Held pushes of a queue stay in arrival order, and a push to a queue
 * that already has held pushes waits behind them. At most {@link FlowControl#maxHeld()} pushes are
 * held in all; past that a push that would be held is refused with {@code 429 too_many_requests}
 * (nothing applied; clients retry). Timing uses {@link System#nanoTime()}, not the engine's clock:
 * it schedules work and never changes what is recorded. Engine thread only.
 */
final class PushFlow {
    /** A group whose consumers took a message this recently, or hold leases, counts as consumed. */
    static final long ACTIVE_NANOS = 1_000_000_000L;
    /** The window over which a group's take rate is measured. */
    static final long RATE_WINDOW_NANOS = 10_000_000L;

    private final FlowControl limits;
    private final long maxHoldNanos;

    private record Held(Command.Push push, long since) {
    }

    private final Map<String, ArrayDeque<Held>> held = new LinkedHashMap<>();
    private int heldCount;
    /** The push being released: {@link #admit} lets it through. */
    private Command.Push releasing;

    PushFlow(FlowControl limits) {
        this.limits = limits;
        this.maxHoldNanos = limits.maxHoldMs() * 1_000_000L;
    }

    /**
     * Whether {@code c} may be applied now; if not, it is held (or refused when too many are).
     *
     * @param q the queue it pushes to, or null when it does not exist yet
     */
    boolean admit(Command.Push c, QueueState q, long nowNanos) {
        if (c == releasing) {
            return true;
        }
        ArrayDeque<Held> line = held.get(c.queue());
        if (line == null && (q == null || !congested(q, nowNanos))) {
            return true;
        }
        if (heldCount >= limits.maxHeld()) {
            throw SpoolException.tooMany("too many pushes are waiting for consumers to catch up", 100);
        }
        if (line == null) {
            line = new ArrayDeque<>();
            held.put(c.queue(), line);
        }
        line.add(new Held(c, nowNanos));
        heldCount++;
        return false;
    }

    /** A consumer of {@code g} took {@code n} messages in a pop of up to {@code max}. */
    static void took(GroupState g, int n, int max) {
        took(g, n, max, System.nanoTime());
    }

    /**
     * A consumer of {@code g} took {@code n} messages in a pop of up to {@code max} at
     * {@code nowNanos}: updates its take rate and its largest recent pop (this window's and the last).
     */
    static void took(GroupState g, int n, int max, long nowNanos) {
        g.flowTookNanos = nowNanos;
        g.flowPopMax = Math.max(g.flowPopMax, max);
        if (g.flowWindowStart == 0) {
            g.flowWindowStart = nowNanos;
        }
        g.flowWindowTaken += n;
        long elapsed = nowNanos - g.flowWindowStart;
        if (elapsed >= RATE_WINDOW_NANOS) {
            double rate = g.flowWindowTaken * 1e9 / elapsed;
            g.flowRate = g.flowRate == 0 ? rate : (g.flowRate + rate) / 2;
            g.flowWindowStart = nowNanos;
            g.flowWindowTaken = 0;
            g.flowPopMaxBefore = g.flowPopMax;
            g.flowPopMax = 0;
        }
    }

    boolean holding() {
        return heldCount > 0;
    }

    /**
     * Applies, through {@code run}, every held push that may go now; all of them when {@code all}
     * (the engine is stopping).
     */
    void release(Map<String, QueueState> queues, long nowNanos, boolean all, Consumer<Command> run) {
        if (heldCount == 0) {
            return;
        }
        Iterator<Map.Entry<String, ArrayDeque<Held>>> it = held.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, ArrayDeque<Held>> e = it.next();
            ArrayDeque<Held> line = e.getValue();
            QueueState q = queues.get(e.getKey());
            Held h;
            while ((h = line.peek()) != null && (all || q == null || q.deleted
                    || nowNanos - h.since() >= maxHoldNanos || !congested(q, nowNanos))) {
                line.poll();
                heldCount--;
                releasing = h.push();
                try {
                    run.accept(h.push());
                } finally {
                    releasing = null;
                }
            }
            if (line.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Fails every held push (the engine thread is ending without applying them). */
    void failAll(Throwable error) {
        for (ArrayDeque<Held> line : held.values()) {
            for (Held h : line) {
                h.push().reply().completeExceptionally(error);
            }
        }
        held.clear();
        heldCount = 0;
    }

    /** Whether a group of {@code q} is consumed and more than its bound behind. */
    boolean congested(QueueState q, long nowNanos) {
        if (behind(q.defaultGroup, nowNanos)) {
            return true;
        }
        for (GroupState g : q.groups.values()) {
            if (behind(g, nowNanos)) {
                return true;
            }
        }
        return false;
    }

    /** The ready messages {@code g} may have before pushes to its queue are held. */
    long bound(GroupState g) {
        return limits.bound(g.flowRate, Math.max(g.flowPopMax, g.flowPopMaxBefore));
    }

    private boolean behind(GroupState g, long nowNanos) {
        return g.readyCount > bound(g) && g.flowTookNanos != 0
                && (g.inFlightCount > 0 || nowNanos - g.flowTookNanos <= ACTIVE_NANOS);
    }
}
