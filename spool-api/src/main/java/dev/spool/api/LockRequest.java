package dev.spool.api;

/**
 * How to acquire a lock.
 *
 * @param owner who asks, free text shown to others (1..256 chars), e.g. a host and pid
 * @param ttlMs the lease's length from the moment it is granted (1 ms .. the server's maximum)
 * @param waitMs how long to wait in line when the lock is held; 0 answers at once with
 *               {@link ErrorCode#LOCK_HELD}
 */
public record LockRequest(String owner, long ttlMs, long waitMs) {
    /** Checks for nulls and negative times; ranges are the broker's to check. */
    public LockRequest {
        if (owner == null) {
            throw new IllegalArgumentException("owner must not be null");
        }
        if (ttlMs < 0 || waitMs < 0) {
            throw new IllegalArgumentException("ttl_ms and wait_ms must not be negative");
        }
    }
}
