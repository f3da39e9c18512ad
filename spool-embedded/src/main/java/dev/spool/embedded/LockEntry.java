package dev.spool.embedded;

import java.util.ArrayDeque;

/**
 * One lock in the {@link LockTable}: its last fencing token (kept for ever, so a token is never
 * issued twice), its holder if any, its state document, and (engine side, never recorded) the
 * acquires waiting in line.
 */
final class LockEntry {
    final String name;
    /** Highest token ever issued for this name; the next grant uses one more. */
    long lastToken;
    /** The holder's lease id, or null when free. */
    String leaseId;
    long token;
    String owner;
    long acquiredAt;
    long expiresAt;
    /**
     * The state document, or null: a detached {@link Msg} (in no queue) so that its bytes live in
     * the journal, are read back, cached and compacted exactly as a message's are. Its id is the
     * version.
     */
    Msg doc;
    long docToken;
    long docUpdatedAt;
    String docContentType;
    long docSize;
    /** Highest version ever written; a write after a delete continues from it. */
    long lastVersion;
    /** Acquires waiting in arrival order (engine side). */
    final ArrayDeque<LockWaiter> waiters = new ArrayDeque<>(0);

    LockEntry(String name) {
        this.name = name;
    }

    boolean held() {
        return leaseId != null;
    }

    /** Whether {@code leaseId} and {@code token} prove holding it now. */
    boolean fencedBy(String lease, long tok) {
        return leaseId != null && leaseId.equals(lease) && token == tok;
    }

    long version() {
        return doc == null ? 0 : doc.id;
    }

    /** Nothing worth keeping but the token: no holder, no document, nobody waiting. */
    boolean idle() {
        return leaseId == null && doc == null && waiters.isEmpty();
    }
}
