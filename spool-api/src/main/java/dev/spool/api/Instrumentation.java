package dev.spool.api;

/**
 * Callbacks through which a backend reports storage timings to the server's metrics. Called from
 * storage threads: implementations must be fast and thread-safe, and must not throw.
 */
public interface Instrumentation {
    /** Does nothing. */
    Instrumentation NONE = new Instrumentation() {
    };

    /**
     * A durable write completed (an fsync of the journal, a database commit).
     *
     * @param nanos how long the sync took
     * @param bytes bytes made durable
     * @param requests requests whose replies waited for it
     */
    default void onSync(long nanos, long bytes, int requests) {
    }

    /**
     * A lock's lease ended without a release (its holder stopped keeping it alive). Reported by
     * the embedded engine when the lease's timer fires; PostgreSQL replaces an expired holder at
     * the next acquire and does not report it.
     */
    default void onLockExpired() {
    }
}
