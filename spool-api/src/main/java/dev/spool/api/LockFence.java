package dev.spool.api;

/**
 * Proof of holding a lock: the lease id and fencing token an acquire returned. Every operation
 * that needs the lock (keepalive, release, state writes) carries one; a fence that is not the
 * current holder's is refused with {@link ErrorCode#STALE_LEASE} and changes nothing.
 *
 * @param leaseId the lease id from {@link LockLease#leaseId()}
 * @param token the fencing token from {@link LockLease#token()}
 */
public record LockFence(String leaseId, long token) {
    /** Checks for null. */
    public LockFence {
        if (leaseId == null) {
            throw new IllegalArgumentException("lease_id must not be null");
        }
    }
}
