package dev.spool.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.spool.api.ErrorCode;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;

/**
 * The server-wide bound on named groups ({@code max-groups}); the broker bounds groups per queue
 * only, and {@code max-queues} times {@code max-groups-per-queue} is far more than a heap holds.
 *
 * <p>A {@code PUT} of a group that does not exist yet is refused with 429 when the server already
 * has {@code max-groups}. The count comes from {@code listQueues}, taken again when older than
 * {@link #REFRESH_NANOS} and raised by one for each group created meanwhile, so a burst of creations
 * costs one listing, and deletions are seen within seconds. Concurrent creations may pass the
 * bound by the number of requests in flight.
 */
final class GroupBound {
    static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Api api;
    private final long max;
    private final AtomicLong count = new AtomicLong(-1);
    private volatile long countedAt;

    GroupBound(Api api, long max) {
        this.api = api;
        this.max = max;
    }

    /** Completes when {@code group} may be put on {@code queue}; fails with 429 when it would be one too many. */
    CompletionStage<Void> check(String queue, String group) {
        return api.broker.getGroup(queue, group).handle((g, e) -> {
            if (e == null) {
                return false;
            }
            SpoolException s = Errors.toSpool(e);
            if (s.code() == ErrorCode.GROUP_NOT_FOUND || s.code() == ErrorCode.QUEUE_NOT_FOUND) {
                return true;
            }
            throw s;
        }).thenCompose(isNew -> {
            if (!isNew) {
                return CompletableFuture.completedFuture(null);
            }
            return count().thenApply(n -> {
                if (n >= max) {
                    throw SpoolException.tooMany("the server has its maximum of " + max + " named groups", 1000);
                }
                count.incrementAndGet();
                return null;
            });
        });
    }

    private CompletionStage<Long> count() {
        long n = count.get();
        if (n >= 0 && System.nanoTime() - countedAt < REFRESH_NANOS) {
            return CompletableFuture.completedFuture(n);
        }
        return api.broker.listQueues().thenApply(qs -> {
            long total = 0;
            for (QueueInfo q : qs) {
                total += q.groups().size();
            }
            count.set(total);
            countedAt = System.nanoTime();
            return total;
        });
    }
}
