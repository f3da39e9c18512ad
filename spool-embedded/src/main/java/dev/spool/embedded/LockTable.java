package dev.spool.embedded;

import java.util.PriorityQueue;
import java.util.TreeMap;

import dev.spool.api.MessageBody;

/**
 * The locks of the {@link StateMachine}: deterministic like the rest of it (times come in as
 * arguments), changed the same way live and in replay. Names are kept in order for listing by
 * prefix. A lease ending is a timer event: {@link #advance} frees every holder whose lease ended
 * and tells the listener, which hands the lock on live and does nothing in replay (the grant that
 * followed is a record of its own).
 *
 * <p>Lease timers live in a heap here rather than on the message {@link TimerWheel}, whose entries
 * are message entries: a keepalive pushes a new deadline and the old one is skipped when it comes
 * up (it no longer matches the holder), so nothing is removed from the middle of the heap.
 */
final class LockTable {
    /** Told when a holder's lease ended. */
    interface Expiry {
        void expired(LockEntry l, long now);
    }

    final TreeMap<String, LockEntry> byName = new TreeMap<>();
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>();

    private record Deadline(long at, long token, LockEntry lock) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            return Long.compare(at, o.at);
        }
    }

    LockEntry get(String name) {
        return byName.get(name);
    }

    LockEntry getOrCreate(String name) {
        LockEntry l = byName.get(name);
        if (l == null) {
            l = new LockEntry(name);
            byName.put(name, l);
        }
        return l;
    }

    /** Makes {@code leaseId} the holder with the next token; returns the token. */
    long grant(LockEntry l, String leaseId, long token, String owner, long now, long expiresAt) {
        l.leaseId = leaseId;
        l.token = token;
        l.lastToken = Math.max(l.lastToken, token);
        l.owner = owner;
        l.acquiredAt = now;
        l.expiresAt = expiresAt;
        deadlines.add(new Deadline(expiresAt, token, l));
        return token;
    }

    void keepalive(LockEntry l, long expiresAt) {
        l.expiresAt = expiresAt;
        deadlines.add(new Deadline(expiresAt, l.token, l));
    }

    void release(LockEntry l) {
        l.leaseId = null;
        l.owner = null;
        l.token = 0;
        l.acquiredAt = 0;
        l.expiresAt = 0;
    }

    /**
     * Replaces the document; returns the one replaced (or null) so the caller can let its journal
     * bytes go.
     */
    Msg putState(LockEntry l, long version, MessageBody body, String contentType, long size, long token, long now) {
        Msg old = l.doc;
        // the lock's name as the document's key: its entry carries it, and a sealed one is bound to it
        Msg doc = new Msg(version, null, (byte) 0, l.name, Long.MAX_VALUE);
        doc.body = body;
        l.doc = doc;
        l.docContentType = contentType;
        l.docSize = size;
        l.docToken = token;
        l.docUpdatedAt = now;
        l.lastVersion = Math.max(l.lastVersion, version);
        return old;
    }

    /** Drops the document; returns it (or null). */
    Msg deleteState(LockEntry l, long version) {
        Msg old = l.doc;
        l.doc = null;
        l.docContentType = null;
        l.docSize = 0;
        l.docToken = 0;
        l.docUpdatedAt = 0;
        l.lastVersion = Math.max(l.lastVersion, version);
        return old;
    }

    /** Frees every holder whose lease ended at or before {@code now}. */
    void advance(long now, Expiry listener) {
        Deadline d;
        while ((d = deadlines.peek()) != null && d.at <= now) {
            deadlines.poll();
            LockEntry l = d.lock;
            if (l.held() && l.token == d.token && l.expiresAt == d.at) {
                release(l);
                listener.expired(l, now);
            }
        }
    }

    /** The next lease end, or {@code Long.MAX_VALUE}. */
    long nextDeadline() {
        Deadline d;
        while ((d = deadlines.peek()) != null && !(d.lock.held() && d.lock.token == d.token
                && d.lock.expiresAt == d.at)) {
            deadlines.poll();
        }
        return d == null ? Long.MAX_VALUE : d.at;
    }

    /** Re-files a loaded holder's deadline (snapshot load). */
    void restored(LockEntry l) {
        byName.put(l.name, l);
        if (l.held()) {
            deadlines.add(new Deadline(l.expiresAt, l.token, l));
        }
    }
}
