package dev.spool.embedded;

import dev.spool.api.SpoolException;

/** How a failed journal write is told apart (disk full or not) and answered. */
final class WriteFailures {
    private WriteFailures() {
    }

    /**
     * What a write sees while the writer is stopped: {@code insufficient_storage} (507) when the disk
     * is full, else {@code unavailable} (503). Writing resumes by itself once the journal can be
     * written again ({@link EmbeddedBroker} reopens it), so both carry a retry hint.
     */
    static SpoolException failed(Throwable cause) {
        if (noSpace(cause)) {
            return SpoolException.insufficientStorage("the disk holding the journal is full; writes are refused "
                    + "until space is freed (reads go on)", 5_000, cause);
        }
        return SpoolException.unavailable("the journal could not write (" + cause.getMessage() + "); writes are "
                + "refused until the journal can be written again", cause);
    }

    /** Whether an I/O failure means the disk (or the quota) is full. */
    static boolean noSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
