package dev.spool.embedded;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every queue's remembered {@code dedup_id}s, in one map in the order they were first pushed, with
 * a global bound ({@link EmbeddedConfig#maxDedupIds()}). Past the bound the oldest ids are
 * forgotten before their window ends (a push repeating one of them is then accepted as new): a
 * full map never refuses a push, and the ids forgotten first are those least likely to be
 * repeated. An id whose window ended is dropped from the head when the head's window ended too;
 * lookups ignore ended windows, so a long window at the head only delays reclaiming memory, within
 * the bound. Queue ids are never reused, so the ids of a deleted queue match nothing and age out.
 * Engine thread only.
 */
final class DedupIds {
    /** A queue's dedup id. */
    record Key(int qid, String id) {
    }

    private final LinkedHashMap<Key, long[]> ids = new LinkedHashMap<>();
    private long max = Long.MAX_VALUE;
    private long forgottenEarly;

    /** Sets the bound, forgetting the oldest ids at once if more are held. */
    void max(long v) {
        max = v;
        trim();
    }

    /** The first message id pushed with {@code id} to queue {@code qid} if its window is still open, else -1. */
    long lookup(int qid, String id, long now) {
        long[] e = ids.get(new Key(qid, id));
        return e != null && e[1] > now ? e[0] : -1;
    }

    /** Remembers {@code id} until {@code until}; an id already held keeps its place in the order. */
    void remember(int qid, String id, long messageId, long until) {
        ids.put(new Key(qid, id), new long[] {messageId, until});
        trim();
    }

    private void trim() {
        Iterator<long[]> it = ids.values().iterator();
        while (ids.size() > max && it.hasNext()) {
            it.next();
            it.remove();
            forgottenEarly++;
        }
    }

    /** Forgets ids from the oldest on while their window has ended. */
    void expire(long now) {
        Iterator<long[]> it = ids.values().iterator();
        while (it.hasNext()) {
            if (it.next()[1] > now) {
                return;
            }
            it.remove();
        }
    }

    int size() {
        return ids.size();
    }

    /** Ids dropped by the bound before their window ended. */
    long forgottenEarly() {
        return forgottenEarly;
    }

    /** Visits the ids oldest first. */
    void forEach(java.util.function.BiConsumer<Key, long[]> action) {
        for (Map.Entry<Key, long[]> e : ids.entrySet()) {
            action.accept(e.getKey(), e.getValue());
        }
    }
}
