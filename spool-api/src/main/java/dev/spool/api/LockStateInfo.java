package dev.spool.api;

/**
 * What describes a lock's state document, without its bytes.
 *
 * @param version grows by one with every write (first write = 1); 0 when there is no document
 * @param contentType the content type given at the last write
 * @param size bytes
 * @param updatedAt epoch ms of the last write
 * @param token the fencing token of the lease that wrote it
 */
public record LockStateInfo(long version, String contentType, long size, long updatedAt, long token) {
}
