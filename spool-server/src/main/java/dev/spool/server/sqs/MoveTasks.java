package dev.spool.server.sqs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The message move tasks started on this server, newest first per source queue, at most
 * {@value #KEEP} per source. A task moves every message before StartMessageMoveTask replies, so
 * every listed task is {@code COMPLETED} or {@code FAILED}. Kept in memory only: the history is
 * lost on restart (the moves themselves are durable).
 */
final class MoveTasks {
    static final int KEEP = 10;

    /**
     * One finished task.
     *
     * @param handle its handle
     * @param source the source queue (a dead-letter queue)
     * @param destination the destination queue, empty: back to each message's source
     * @param moved messages moved
     * @param failure why it failed, empty when it completed
     * @param startedAt epoch ms
     */
    record Task(String handle, String source, String destination, long moved, String failure, long startedAt) {
    }

    private final Map<String, Deque<Task>> bySource = new HashMap<>();

    synchronized void add(Task t) {
        Deque<Task> d = bySource.computeIfAbsent(t.source(), k -> new ArrayDeque<>());
        d.addFirst(t);
        while (d.size() > KEEP) {
            d.removeLast();
        }
    }

    synchronized List<Task> list(String source) {
        Deque<Task> d = bySource.get(source);
        return d == null ? List.of() : new ArrayList<>(d);
    }

    synchronized boolean exists(String handle) {
        for (Deque<Task> d : bySource.values()) {
            for (Task t : d) {
                if (t.handle().equals(handle)) {
                    return true;
                }
            }
        }
        return false;
    }
}
