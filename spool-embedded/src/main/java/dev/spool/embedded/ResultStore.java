package dev.spool.embedded;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import dev.spool.api.TaskResult;

/**
 * Accounts for the task results held on the heap, with a global bound in bytes
 * ({@link EmbeddedConfig#maxResultBytes()}). Results are kept in the order they were stored; a
 * result shared by many entries (one ack of many receipts) counts once. Past the bound the oldest
 * results are forgotten before their {@code result_ttl_ms} ends (their task views then show no
 * result): an ack is never refused for it, and the results most likely to have been read already
 * go first. A result whose TTL ended leaves the account when it reaches the head. Engine thread
 * only.
 */
final class ResultStore {
    /** One stored result and the entries holding it. */
    private static final class Stored {
        final TaskResult result;
        final long bytes;
        final List<Entry> entries = new ArrayList<>(1);
        long keepUntil;

        Stored(TaskResult result) {
            this.result = result;
            this.bytes = result.payload().size() + result.contentType().length() + 64;
        }
    }

    private final ArrayDeque<Stored> order = new ArrayDeque<>();
    private long bytes;
    private long max = Long.MAX_VALUE;
    private long forgottenEarly;

    /** Sets the bound, forgetting the oldest results at once if more are held. */
    void max(long v, long now) {
        max = v;
        trim(now);
    }

    /** {@code e} now holds {@code result} until {@code keepUntil}. */
    void stored(Entry e, TaskResult result, long keepUntil, long now) {
        Stored last = order.peekLast();
        if (last == null || last.result != result) {
            last = new Stored(result);
            order.addLast(last);
            bytes += last.bytes;
        }
        last.entries.add(e);
        last.keepUntil = Math.max(last.keepUntil, keepUntil);
        trim(now);
    }

    private void trim(long now) {
        Stored head;
        while ((head = order.peekFirst()) != null && (bytes > max || head.keepUntil <= now)) {
            order.pollFirst();
            bytes -= head.bytes;
            if (head.keepUntil > now) {
                for (Entry e : head.entries) {
                    if (e.extra != null && e.extra.result == head.result) {
                        e.extra.result = null;
                    }
                }
                forgottenEarly++;
            }
        }
    }

    /** Bytes of results accounted for. */
    long bytes() {
        return bytes;
    }

    /** Results dropped by the bound before their TTL ended. */
    long forgottenEarly() {
        return forgottenEarly;
    }
}
