package dev.spool.postgres;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps the calls on a queue in the order the caller issued them where running them in parallel on
 * the pool could show a caller an effect of its own later call. Two cases:
 *
 * <ul>
 * <li>A queue this server has not seen yet: without ordering a {@code getQueue} issued right after
 * a pop that auto-creates the queue could reach the database first and miss the queue. While a
 * call that may create a queue is running, later calls on that queue start after it; once the
 * queue is known to exist (any call on it succeeded) this costs nothing any more.</li>
 * <li>Barriers: a task view's first look at a message. An ack issued after the view must not
 * reach the database before the view has seen the message, or the view would report the message
 * as never existing instead of acked. While a barrier runs, later calls on its queue start after
 * it (one round trip at most, and only while a view is starting).</li>
 * </ul>
 */
final class Ordering {
    /** Past this many known queues the set starts over (only costs ordering of a few calls again). */
    static final int MAX_KNOWN = 100_000;

    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<?>> creating = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<?>> barriers = new ConcurrentHashMap<>();

    private static boolean pending(CompletableFuture<?> f) {
        return f != null && !f.isDone();
    }

    /** What a new call on the queue must wait for, or null. */
    private CompletableFuture<?> before(String queue) {
        CompletableFuture<?> b = barriers.get(queue);
        CompletableFuture<?> c = known.contains(queue) ? null : creating.get(queue);
        if (pending(b) && pending(c)) {
            return CompletableFuture.allOf(b, c);
        }
        return pending(b) ? b : pending(c) ? c : null;
    }

    private static <T> CompletableFuture<T> after(CompletableFuture<?> before, Supplier<CompletableFuture<T>> call) {
        return before == null ? call.get() : before.handle((x, e) -> null).thenCompose(x -> call.get());
    }

    /**
     * Runs a call on a queue.
     *
     * @param queue the queue
     * @param creates whether the call may create the queue
     * @param call the call
     */
    <T> CompletableFuture<T> run(String queue, boolean creates, Supplier<CompletableFuture<T>> call) {
        boolean wasKnown = known.contains(queue);
        CompletableFuture<T> f = after(before(queue), call);
        if (wasKnown) {
            return f;
        }
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

    /** Runs a call that later calls on the queue wait for (see the class comment). */
    <T> CompletableFuture<T> barrier(String queue, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> f = run(queue, false, call);
        if (!f.isDone()) {
            barriers.put(queue, f);
            f.whenComplete((v, e) -> barriers.remove(queue, f));
        }
        return f;
    }

    /** Runs a call on several queues (a transaction) after what each of them must wait for. */
    <T> CompletableFuture<T> runAll(Collection<String> queues, Supplier<CompletableFuture<T>> call) {
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (String q : queues) {
            CompletableFuture<?> b = before(q);
            if (b != null) {
                waits.add(b);
            }
        }
        return after(waits.isEmpty() ? null : CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)), call);
    }

    /** The queue was deleted: the next call on it is ordered again. */
    void forget(String queue) {
        known.remove(queue);
    }
}
