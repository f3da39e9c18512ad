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
    /**
     * In a transaction, the lease that an earlier {@link TxOp.LockAcquire} of the same lock takes
     * (its id and token are not known before the transaction runs). Recognised by identity
     * ({@link #txAcquired()}); anywhere else it is refused like any malformed fence.
     */
    public static final LockFence TX_ACQUIRED = new LockFence("", 0);

    /** Checks for null. */
    public LockFence {
        if (leaseId == null) {
            throw new IllegalArgumentException("lease_id must not be null");
        }
    }

    /** Whether this is {@link #TX_ACQUIRED} (by identity: a fence read from input never is). */
    public boolean txAcquired() {
        return this == TX_ACQUIRED;
    }
}
