package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The journal's reply completion: a large group's replies complete on the replies thread, so a
 * callback that takes long does not hold back the writer; small groups complete inline when nothing
 * is pending; completions keep the writer's order either way; a writer too far ahead waits;
 * closing runs everything queued.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RepliesTest {
    private final ConcurrentLinkedQueue<Batch> free = new ConcurrentLinkedQueue<>();
    private final Replies replies = new Replies(free);
    private final List<Integer> order = Collections.synchronizedList(new ArrayList<>());

    @Test
    void shouldCompleteALargeGroupOffTheCallersThreadAndKeepOrderBehindIt() throws Exception {
        replies.start();
        try {
            CountDownLatch release = new CountDownLatch(1);
            Batch large = batch(0, Replies.INLINE_MAX + 1);
            large.replies.get(0).thenRun(() -> hold(release));

            // returns at once although the first reply's callback blocks
            replies.complete(List.of(large));
            // a small group behind it: it may not run inline (the large one is pending), so it waits too
            Batch small = batch(100, 1);
            replies.complete(List.of(small));
            assertThat(small.replies.get(0)).isNotDone();

            release.countDown();
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i <= Replies.INLINE_MAX; i++) {
                expected.add(i);
            }
            expected.add(100);
            // both batches go back to the engine's free list once their replies are complete
            await().atMost(10, TimeUnit.SECONDS).until(() -> free.size() == 2 && order.size() == expected.size());
            assertThat(order).containsExactlyElementsOf(expected);
        } finally {
            replies.close();
        }
    }

    @Test
    void shouldCompleteASmallGroupInlineWhenNothingIsPending() {
        replies.start();
        try {
            Batch small = batch(0, Replies.INLINE_MAX);
            replies.complete(List.of(small));
            // inline: done before complete returns
            assertThat(small.replies).allMatch(CompletableFuture::isDone);
        } finally {
            replies.close();
        }
    }

    @Test
    void shouldRunEverythingQueuedWhenClosed() {
        replies.start();
        CountDownLatch release = new CountDownLatch(1);
        Batch first = batch(0, Replies.INLINE_MAX + 1);
        first.replies.get(0).thenRun(() -> hold(release));
        replies.complete(List.of(first));
        Batch failed = batch(50, Replies.INLINE_MAX + 1);
        replies.fail(List.of(failed), new java.io.IOException("disk gone"));
        release.countDown();

        replies.close();

        assertThat(first.replies).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(failed.replies).allMatch(CompletableFuture::isCompletedExceptionally);
    }

    @Test
    void shouldMakeTheWriterWaitWhenTheThreadIsTooFarBehind() throws Exception {
        replies.start();
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger submitted = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            Batch first = batch(0, Replies.INLINE_MAX + 1);
            first.replies.get(0).thenRun(() -> hold(release));
            replies.complete(List.of(first));
            submitted.incrementAndGet();
            // the thread is held by the first group: MAX_PENDING more fill its queue, the next one waits
            for (int i = 0; i <= Replies.MAX_PENDING; i++) {
                replies.complete(List.of(batch(1000 * (i + 1), Replies.INLINE_MAX + 1)));
                submitted.incrementAndGet();
            }
        });
        writer.start();
        try {
            await().atMost(10, TimeUnit.SECONDS).until(() -> submitted.get() == 1 + Replies.MAX_PENDING
                    && writer.getState() == Thread.State.WAITING);
            assertThat(submitted.get()).isEqualTo(1 + Replies.MAX_PENDING);
        } finally {
            release.countDown();
        }
        writer.join(10_000);
        assertThat(submitted.get()).isEqualTo(2 + Replies.MAX_PENDING);
        replies.close();
        assertThat(free).hasSize(2 + Replies.MAX_PENDING);
    }

    /** A batch of {@code n} replies that record their value in {@link #order} as they complete. */
    private Batch batch(int from, int n) {
        Batch b = new Batch();
        for (int i = 0; i < n; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            f.thenAccept(order::add);
            b.addReply(f, from + i);
        }
        return b;
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
