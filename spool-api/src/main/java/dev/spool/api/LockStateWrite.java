package dev.spool.api;

import java.util.OptionalLong;

/**
 * A write of a lock's state document by its holder.
 *
 * @param fence the holder's lease id and token
 * @param payload the new document (replaces the old one whole)
 * @param contentType its content type
 * @param ifVersion when present, the write happens only if the current version equals it
 *                  (0 = no document yet), else {@link ErrorCode#VERSION_MISMATCH}
 */
public record LockStateWrite(LockFence fence, Payload payload, String contentType, OptionalLong ifVersion) {
    /** Checks for nulls. */
    public LockStateWrite {
        if (fence == null || payload == null || contentType == null || ifVersion == null) {
            throw new IllegalArgumentException("fence, payload, content type and if_version must not be null");
        }
    }
}
