package dev.spool.api;

/**
 * A lock's state document: its description and its bytes (streamed when large).
 *
 * @param info version, content type, size
 * @param payload the bytes
 */
public record LockState(LockStateInfo info, Payload payload) {
}
