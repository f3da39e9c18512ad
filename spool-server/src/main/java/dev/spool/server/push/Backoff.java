package dev.spool.server.push;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import dev.spool.api.RetryBackoff;

/**
 * The one backoff rule of push delivery: the wait after the n-th consecutive failure (n from 1) is
 * drawn uniformly from {@code [d/2, d]} where {@code d = min(max, initial * 2^(n-1))} ("equal
 * jitter": never less than half the nominal wait, so a failing endpoint really backs off, yet
 * spread out so that endpoints that failed together do not retry together). Used for a fleet's
 * endpoints ({@link FleetWorker}) and for a push group's circuit breaker ({@link PushWorker}).
 *
 * @param initialMs the nominal wait after the first failure, at least 1
 * @param maxMs the cap of the nominal wait, at least {@code initialMs}
 */
record Backoff(long initialMs, long maxMs) {

    /** Checks the bounds. */
    Backoff {
        if (initialMs < 1 || maxMs < initialMs) {
            throw new IllegalArgumentException("backoff needs 1 <= initial <= max, got " + initialMs + ", " + maxMs);
        }
    }

    /**
     * The nominal wait after failure {@code n} (from 1; below 1 counts as 1), before jitter: the
     * queues' rule ({@link RetryBackoff#delayFor}) with doubling.
     */
    long ceiling(int n) {
        return new RetryBackoff(initialMs, maxMs, 2.0, false).delayFor(Math.max(1, n));
    }

    /** The wait after failure {@code n}, with equal jitter. */
    long delay(int n) {
        return delay(n, ThreadLocalRandom.current());
    }

    /** The wait after failure {@code n}, with equal jitter drawn from {@code random}. */
    long delay(int n, RandomGenerator random) {
        long d = ceiling(n);
        long half = d / 2;
        return half + random.nextLong(d - half + 1);
    }
}
