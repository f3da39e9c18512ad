package dev.spool.embedded;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.SpoolException;

/**
 * Completes the replies of the journal writer's groups once they may complete, off the writer
 * thread when there are many of them. Completing a reply runs its callbacks (the server's hop back
 * to a network thread, say): for a group of a few dozen lock cycles that took as long as the force
 * itself, and on the writer it held back the next group's write and force. A group with at most
 * {@value #INLINE_MAX} replies is still completed on the writer when nothing is pending here, so one
 * producer waiting on one message pays no thread hop.
 *
 * <p>Order is the writer's: a task runs inline only when every earlier one has finished, and the
 * thread runs them first in, first out. So a reply never completes before one the writer completed
 * (or failed) earlier, exactly as when it did all of them itself. The queue is bounded: when this
 * thread falls {@value #MAX_PENDING} groups behind, the writer waits for it.
 */
final class Replies implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
    /** Most replies a task may have to run inline on the writer. */
    static final int INLINE_MAX = 8;
    /** Groups that may wait for the thread before the writer waits too. */
    static final int MAX_PENDING = 64;
    private static final Runnable STOP = () -> { };

    private final ArrayBlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(MAX_PENDING);
    /** Tasks handed to the thread and not yet finished. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Where a batch goes once its replies are complete, for the engine to fill again. */
    private final ConcurrentLinkedQueue<Batch> free;
    private volatile Thread thread;

    Replies(ConcurrentLinkedQueue<Batch> free) {
        this.free = free;
    }

    void start() {
        thread = new Thread(this, "spool-replies");
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes every reply of {@code group} (now durable) and frees its batches. */
    void complete(List<Batch> group) {
        List<Batch> g = List.copyOf(group);
        submit(() -> {
            for (Batch b : g) {
                completeAll(b);
            }
        }, Batch.replies(g));
    }

    /**
     * Completes the replies of {@code group} marked early ({@link Batch#earlyNeed}) whose need is
     * within {@code onDisk}: {@code n} of them, counted by the caller.
     */
    void completeEarly(List<Batch> group, long onDisk, int n) {
        List<Batch> g = List.copyOf(group);
        submit(() -> {
            for (Batch b : g) {
                for (int i = 0; i < b.earlies; i++) {
                    if (b.earlyNeed[i] <= onDisk) {
                        int r = b.earlyIdx[i];
                        b.replies.get(r).complete(b.values.get(r));
                    }
                }
            }
        }, n);
    }

    /** Fails every reply of {@code group} with {@code cause}. */
    void fail(List<Batch> group, Throwable cause) {
        List<Batch> g = List.copyOf(group);
        SpoolException e = WriteFailures.failed(cause);
        submit(() -> {
            for (Batch b : g) {
                failAll(b, e);
            }
        }, Batch.replies(g));
    }

    /** Fails every reply of a batch that was never written, on the caller's thread. */
    static void failNow(Batch b, Throwable cause) {
        failAll(b, WriteFailures.failed(cause));
    }

    private void submit(Runnable task, int replies) {
        if (thread == null || replies <= INLINE_MAX && pending.get() == 0) {
            task.run();
            return;
        }
        pending.incrementAndGet();
        try {
            tasks.put(task);
        } catch (InterruptedException e) {
            // the writer is being stopped: do it here rather than lose a reply
            Thread.currentThread().interrupt();
            pending.decrementAndGet();
            task.run();
        }
    }

    @Override
    public void run() {
        while (true) {
            Runnable t;
            try {
                t = tasks.take();
            } catch (InterruptedException e) {
                continue;
            }
            if (t == STOP) {
                return;
            }
            try {
                t.run();
            } catch (RuntimeException e) {
                LOG.error("completing journal replies failed", e);
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /** Runs what is queued, then stops the thread (after the writer stopped). */
    void close() {
        if (thread == null) {
            return;
        }
        try {
            tasks.put(STOP);
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    private void completeAll(Batch b) {
        for (int i = 0; i < b.replies.size(); i++) {
            Throwable err = b.errors.get(i);
            if (err != null) {
                b.replies.get(i).completeExceptionally(err);
            } else {
                b.replies.get(i).complete(b.values.get(i));
            }
        }
        b.reset();
        free.offer(b);
    }

    private static void failAll(Batch b, SpoolException e) {
        for (var f : b.replies) {
            f.completeExceptionally(e);
        }
        b.reset();
    }
}
