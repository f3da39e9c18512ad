package dev.spool.server;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.spool.api.LockStateInfo;

/**
 * The encoded fields of {@code read_state} reply frames, reused while a lock's document stays the
 * same, so that many clients reading one small state cost one base64 (or JSON check) per version,
 * not one per read.
 *
 * <p>An entry is tied to the very document it was encoded from: it keeps the document's byte array
 * and description, and a read uses it only when the broker hands back that same array (identity)
 * with an equal description. A payload's array is never modified once made, and every write or
 * delete (HTTP, stream, transaction) makes a new one, so no write path has to invalidate anything
 * and a stale entry can never be served: it is only ever a miss, replaced at the next read. A
 * backend that makes a new array per read (PostgreSQL) simply never hits. Bounded by entries and by
 * bytes (the encoded fields and the document each entry keeps alive); past a bound, arbitrary
 * entries make room, since any entry can be encoded again.
 */
final class StateFrames {
    /** Default bound on entries. */
    static final int MAX_ENTRIES = 4096;
    /** Default bound on bytes held (encoded fields plus the documents they came from). */
    static final long MAX_BYTES = 8L << 20;

    private record Entry(byte[] source, LockStateInfo info, byte[] fields) {
        long charge() {
            return (long) source.length + fields.length;
        }
    }

    private final Map<String, Entry> byName = new ConcurrentHashMap<>();
    private final AtomicLong charged = new AtomicLong();
    private final int maxEntries;
    private final long maxBytes;

    StateFrames(int maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** The fields encoded from exactly this document ({@code source}, {@code info}), or null. */
    byte[] get(String name, LockStateInfo info, byte[] source) {
        Entry e = byName.get(name);
        return e != null && e.source == source && e.info.equals(info) ? e.fields : null;
    }

    /** Keeps {@code fields}, encoded from {@code source} and {@code info}, for later reads of {@code name}. */
    void put(String name, LockStateInfo info, byte[] source, byte[] fields) {
        Entry next = new Entry(source, info, fields);
        if (next.charge() > maxBytes) {
            return;
        }
        Entry old = byName.put(name, next);
        charged.addAndGet(next.charge() - (old == null ? 0 : old.charge()));
        makeRoom();
    }

    private void makeRoom() {
        Iterator<Map.Entry<String, Entry>> it = byName.entrySet().iterator();
        while ((byName.size() > maxEntries || charged.get() > maxBytes) && it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (byName.remove(e.getKey(), e.getValue())) {
                charged.addAndGet(-e.getValue().charge());
            }
        }
    }

    /** Entries held (for tests). */
    int size() {
        return byName.size();
    }

    /** Bytes held (for tests). */
    long chargedBytes() {
        return charged.get();
    }
}
