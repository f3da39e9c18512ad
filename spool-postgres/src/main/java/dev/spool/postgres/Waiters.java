package dev.spool.postgres;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pops and task views of this server that wait, by queue name. They are woken by
 * notifications ({@code LISTEN spool}: {@code r<queue>} when work became ready, {@code d<queue>} when
 * a message finished), by this server's own writes, and by their own timers (deadline, the next known
 * delay or lease end, and a slow safety re-check). Nothing here matters to other servers.
 */
final class Waiters implements AutoCloseable {
    /** Something that waits. */
    interface Waiter {
        /** Look again (called from any thread, possibly concurrently). */
        void wake();

        /** Stop waiting and complete with what is known. */
        void cancel();

        /** The queue was deleted: a pop completes empty, a task view looks again. */
        void queueDeleted();
    }

    private final Map<String, Set<Waiter>> pops = new ConcurrentHashMap<>();
    private final Map<String, Set<Waiter>> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final int max;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("spool-pg-timer").unstarted(r));

    Waiters(int max) {
        this.max = max;
    }

    /** Registers a waiter; false when {@code maxWaiters} are already waiting. */
    boolean add(boolean task, String queue, Waiter w) {
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            return false;
        }
        (task ? tasks : pops).computeIfAbsent(queue, k -> ConcurrentHashMap.newKeySet()).add(w);
        return true;
    }

    /** Takes a waiter slot for a waiting lock acquire; false when {@code maxWaiters} are already waiting. */
    boolean reserve() {
        if (count.incrementAndGet() > max) {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back a slot of {@link #reserve()}. */
    void unreserve() {
        count.decrementAndGet();
    }

    void remove(boolean task, String queue, Waiter w) {
        Map<String, Set<Waiter>> map = task ? tasks : pops;
        Set<Waiter> set = map.get(queue);
        if (set != null && set.remove(w)) {
            count.decrementAndGet();
            map.computeIfPresent(queue, (k, s) -> s.isEmpty() ? null : s);
        }
    }

    /** Wakes the pops waiting on a queue. */
    void wakePops(String queue) {
        wake(pops.get(queue));
    }

    /** Wakes the task views waiting on a queue. */
    void wakeTasks(String queue) {
        wake(tasks.get(queue));
    }

    /** A queue was deleted (here or on another server). */
    void queueDeleted(String queue) {
        Set<Waiter> p = pops.get(queue);
        if (p != null) {
            p.forEach(Waiter::queueDeleted);
        }
        wake(tasks.get(queue));
    }

    /** Wakes everybody (after a reconnect, notifications may have been missed). */
    void wakeAll() {
        pops.values().forEach(Waiters::wake);
        tasks.values().forEach(Waiters::wake);
    }

    private static void wake(Set<Waiter> set) {
        if (set != null) {
            for (Waiter w : set) {
                w.wake();
            }
        }
    }

    ScheduledFuture<?> schedule(Runnable r, long delayMs) {
        return timer.schedule(r, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
    }

    ScheduledFuture<?> scheduleRepeating(Runnable r, long periodMs) {
        return timer.scheduleWithFixedDelay(r, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    int size() {
        return count.get();
    }

    @Override
    public void close() {
        pops.values().forEach(s -> s.forEach(Waiter::cancel));
        tasks.values().forEach(s -> s.forEach(Waiter::cancel));
        timer.shutdownNow();
    }
}
