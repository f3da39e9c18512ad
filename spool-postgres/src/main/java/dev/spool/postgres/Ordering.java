package dev.spool.postgres;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps calls on a queue that this server has not seen yet in the order the caller issued them.
 * Requests run in parallel on the pool, so without this a {@code getQueue} issued right after a pop
 * that auto-creates the queue could reach the database first and miss the queue. While a call that
 * may create a queue is running, later calls on that queue start after it; once the queue is known
 * to exist (any call on it succeeded) nothing waits any more.
 */
final class Ordering {
    /** Past this many known queues the set starts over (only costs ordering of a few calls again). */
    static final int MAX_KNOWN = 100_000;

    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<?>> creating = new ConcurrentHashMap<>();

    /**
     * Runs a call on a queue.
     *
     * @param queue the queue
     * @param creates whether the call may create the queue
     * @param call the call
     */
    <T> CompletableFuture<T> run(String queue, boolean creates, Supplier<CompletableFuture<T>> call) {
        if (known.contains(queue)) {
            return call.get();
        }
        CompletableFuture<?> before = creating.get(queue);
        CompletableFuture<T> f = before == null || before.isDone() ? call.get()
                : before.handle((x, e) -> null).thenCompose(x -> call.get());
        if (creates) {
            creating.put(queue, f);
        }
        f.whenComplete((v, e) -> {
            if (e == null) {
                if (known.size() >= MAX_KNOWN) {
                    known.clear();
                }
                known.add(queue);
            }
            creating.remove(queue, f);
        });
        return f;
    }

    /** The queue was deleted: the next call on it is ordered again. */
    void forget(String queue) {
        known.remove(queue);
    }
}
