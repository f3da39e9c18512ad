package dev.spool.api;

/**
 * The current holder of a lock as anyone may see it (no lease id: that is the holder's secret).
 *
 * @param owner the owner given at acquire
 * @param token its fencing token
 * @param acquiredAt epoch ms when it was granted
 * @param expiresAt epoch ms when the lease ends unless kept alive
 */
public record LockHolder(String owner, long token, long acquiredAt, long expiresAt) {
}
