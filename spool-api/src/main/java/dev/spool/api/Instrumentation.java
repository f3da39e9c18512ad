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
}
