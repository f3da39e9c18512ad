package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;

/**
 * The batching {@link Producer} and the prefetching {@link Consumer} move a million messages
 * between two threads through a real server: every message arrives exactly once, with the id the
 * producer was given and the body it sent.
 */
class MillionMessagesTest {
    private static final int N = 1_000_000;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldMoveAMillionMessagesWithNothingLostOrDuplicatedWhenProducerAndConsumerRunConcurrently()
            throws Exception {
        try (TestServer t = TestServer.start()) {
            String queue = "million";
            long[] sentIds = new long[N];
            long[] receivedIds = new long[N];
            AtomicLong duplicates = new AtomicLong();
            AtomicLong foreign = new AtomicLong();
            AtomicLong received = new AtomicLong();
            CountDownLatch all = new CountDownLatch(N);
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            long start = System.nanoTime();

            Consumer consumer = t.client.consumer(queue,
                    ConsumerOptions.DEFAULTS.withPrefetch(20_000).withConcurrency(2).withAckBatch(2_000)
                            .withAckLingerMs(2),
                    d -> {
                        int i = index(d);
                        if (i < 0 || i >= N) {
                            foreign.incrementAndGet();
                            return;
                        }
                        synchronized (receivedIds) {
                            if (receivedIds[i] != 0) {
                                duplicates.incrementAndGet();
                                return;
                            }
                            receivedIds[i] = d.id();
                        }
                        received.incrementAndGet();
                        all.countDown();
                    });

            Thread producerThread = new Thread(() -> {
                try (Producer p = t.client.producer(queue,
                        ProducerOptions.DEFAULTS.withMaxBatch(5_000).withMaxBuffered(50_000).withLingerMs(2).withMaxInFlight(4))) {
                    for (int i = 0; i < N; i++) {
                        int idx = i;
                        CompletableFuture<Long> f = p.send(NewMessage.of(body(i)));
                        f.whenComplete((id, e) -> {
                            if (e != null) {
                                producerFailure.compareAndSet(null, e);
                            } else {
                                sentIds[idx] = id;
                            }
                        });
                    }
                } catch (Throwable e) {
                    producerFailure.compareAndSet(null, e);
                }
            }, "producer");
            producerThread.start();
            producerThread.join(TimeUnit.SECONDS.toMillis(200));

            assertThat(producerFailure.get()).isNull();
            assertThat(all.await(200, TimeUnit.SECONDS)).as("all %d messages within 200 s, got %d", N, received.get())
                    .isTrue();
            consumer.close();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("moved %d messages in %.1f s (%.0f msg/s)%n", N, seconds, N / seconds);

            assertThat(duplicates.get()).isZero();
            assertThat(foreign.get()).isZero();
            for (int i = 0; i < N; i++) {
                if (sentIds[i] == 0 || receivedIds[i] != sentIds[i]) {
                    assertThat(receivedIds[i]).as("message %d", i).isEqualTo(sentIds[i]).isNotZero();
                }
            }
            assertThat(consumer.stats().acked()).isEqualTo(N);
            assertThat(consumer.stats().stale()).isZero();
            assertThat(SpoolClient.await(t.client.getQueue(queue)).stats().inFlight()).isZero();
            assertThat(SpoolClient.await(t.client.getQueue(queue)).stats().ready()).isZero();
        }
    }

    private static byte[] body(int i) {
        return ("m" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static int index(Delivery d) {
        byte[] b = d.body().payload().toBytes();
        if (b.length < 2 || b[0] != 'm') {
            return -1;
        }
        int v = 0;
        for (int k = 1; k < b.length; k++) {
            int c = b[k] - '0';
            if (c < 0 || c > 9) {
                return -1;
            }
            v = v * 10 + c;
        }
        return v;
    }
}
