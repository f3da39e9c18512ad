package dev.spool.api;

/**
 * A granted lock, as its holder sees it.
 *
 * @param name the lock
 * @param leaseId an unguessable id of this lease; with {@link #token()} it proves holding
 * @param token the fencing token: strictly greater than every token issued for this name before,
 *              across restarts and (PostgreSQL) across servers
 * @param owner the owner given at acquire
 * @param expiresAt epoch ms when the lease ends unless kept alive
 */
public record LockLease(String name, String leaseId, long token, String owner, long expiresAt) {
    /** The fence that proves this lease. */
    public LockFence fence() {
        return new LockFence(leaseId, token);
    }
}
