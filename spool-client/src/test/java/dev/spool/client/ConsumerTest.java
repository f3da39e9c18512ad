package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.SpoolException;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** The streaming {@link Consumer}: prefetch bound, nacks, lease extension and reconnection. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConsumerTest {
    @RegisterExtension
    static final TestServer t = TestServer.perClass();


    @Test
    void shouldAckWithoutWaitingForTheLingerWhenPrefetchIsBelowTheAckBatch() {
        String q = "smallprefetch";
        List<NewMessage> ms = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ms.add(NewMessage.ofUtf8("m" + i));
        }
        SpoolClient.await(t.client.push(q, ms));
        AtomicInteger done = new AtomicInteger();
        // a 60 s linger: if acks waited for a batch of 256 that a prefetch of 4 can never fill, each
        // group of 4 messages would wait a minute for its credit to come back
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS.withPrefetch(4).withAckBatch(256)
                .withAckLingerMs(60_000), d -> done.incrementAndGet())) {
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> c.stats().acked() == 40);
        }
        assertThat(done.get()).isEqualTo(40);
    }

    @Test
    void shouldNeverHoldMoreThanPrefetchNorRunMoreThanConcurrencyHandlers() throws Exception {
        String q = "bounded";
        List<NewMessage> ms = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ms.add(NewMessage.ofUtf8("m" + i));
        }
        SpoolClient.await(t.client.push(q, ms));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger maxHeld = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Consumer> self = new AtomicReference<>();
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS.withPrefetch(10).withConcurrency(3)
                .withAckBatch(4), d -> {
                    int now = running.incrementAndGet();
                    maxRunning.accumulateAndGet(now, Math::max);
                    // a round trip per message gives the prefetch time to fill up
                    SpoolClient.await(t.client.getQueue(q));
                    Consumer me = self.get();
                    if (me != null) {
                        maxHeld.accumulateAndGet(me.held(), Math::max);
                    }
                    running.decrementAndGet();
                    done.incrementAndGet();
                })) {
            self.set(c);
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> done.get() == 300);
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> c.stats().acked() == 300);
        }
        assertThat(maxRunning.get()).isBetween(1, 3);
        assertThat(maxHeld.get()).isBetween(2, 10);
        assertThat(SpoolClient.await(t.client.getQueue(q)).stats().inFlight()).isZero();
    }

    @Test
    void shouldNackWhenTheHandlerThrowsSoTheMessageComesBackWithTheReason() throws Exception {
        String q = "failing";
        SpoolClient.await(t.client.patchQueue(q, Map.of("retry_backoff", Map.of("initial_ms", 10, "max_ms", 10))));
        long id = SpoolClient.await(t.client.push(q, List.of(NewMessage.ofUtf8("retry me"))))[0];
        Map<Integer, Boolean> attempts = new ConcurrentHashMap<>();
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS, d -> {
            attempts.put(d.attempts(), true);
            if (d.attempts() < 3) {
                throw new IllegalStateException("flaky " + d.attempts());
            }
        })) {
            MessageView v = SpoolClient.await(t.client.getMessage(q, id, new MessageQuery("default", 20_000)));
            assertThat(v.state()).isEqualTo(MessageState.ACKED);
            assertThat(v.attempts()).isEqualTo(3);
            assertThat(v.lastError()).hasValueSatisfying(e -> assertThat(e).contains("flaky 2"));
            assertThat(c.stats().failed()).isEqualTo(2);
        }
        assertThat(attempts.keySet()).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void shouldExtendTheLeaseOfASlowHandlerSoTheMessageIsNotRedelivered() throws Exception {
        String q = "slow";
        long id = SpoolClient.await(t.client.push(q, List.of(NewMessage.ofUtf8("slow"))))[0];
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        // a 2 s lease checked every 500 ms and extended when half used leaves 1 s of margin on a busy machine
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS.withVisibilityMs(2_000), d -> {
            calls.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
        })) {
            // several lease lengths pass while the handler runs
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> c.stats().extended() >= 3);
            MessageView during = SpoolClient.await(t.client.getMessage(q, id, MessageQuery.NOW));
            assertThat(during.state()).isEqualTo(MessageState.IN_FLIGHT);
            assertThat(during.attempts()).isEqualTo(1);
            // wait for the end from before the handler finishes; if the ack still arrives first, the
            // message (acked, nothing to retain) is already gone, which is the same outcome
            CompletableFuture<MessageView> after = t.client.getMessage(q, id, new MessageQuery("default", 20_000))
                    .toCompletableFuture();
            release.countDown();
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> c.stats().acked() == 1);
            try {
                MessageView v = after.get(20, TimeUnit.SECONDS);
                assertThat(v.state()).isEqualTo(MessageState.ACKED);
                assertThat(v.attempts()).isEqualTo(1);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(SpoolException.class,
                        x -> assertThat(x.code()).isEqualTo(ErrorCode.MESSAGE_NOT_FOUND));
            }
            assertThat(c.stats().stale()).isZero();
        }
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void shouldReconnectAndResumeWhenTheServerRestarts() throws Exception {
        SpoolServer first = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        int port = first.port();
        ServerConfig samePort = ServerConfig.ephemeralMemory();
        samePort = samePort.withListener(samePort.listener().withPort(port));
        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        SpoolServer second = null;
        try (SpoolClient client = SpoolClient.connect(first.url());
                Consumer c = client.consumer("restart", ConsumerOptions.DEFAULTS.withReconnect(20, 200),
                        d -> seen.put(d.body().payload().asUtf8(), true))) {
            SpoolClient.await(client.push("restart", List.of(NewMessage.ofUtf8("before"))));
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> seen.containsKey("before"));
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> c.stats().acked() == 1);

            first.close();
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> !c.isSubscribed());
            // the old listener's port may take a moment to be free again on a busy machine
            ServerConfig config = samePort;
            AtomicReference<SpoolServer> started = new AtomicReference<>();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
                started.set(SpoolServer.start(config).toCompletableFuture().get(30, TimeUnit.SECONDS));
                return true;
            });
            second = started.get();

            // the new (memory) server has no queue until this push creates it: pops never create
            // queues, so the consumer retries its subscription with its reconnect backoff meanwhile
            SpoolClient.await(client.push("restart", List.of(NewMessage.ofUtf8("after"))));
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(c::isSubscribed);
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> seen.containsKey("after"));
            assertThat(c.stats().reconnects()).isPositive();
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }
    @Test
    void shouldApplyBatchedAcksSentWithoutRepliesAndLeaveNothingInFlight() {
        String q = "batchedacks";
        List<NewMessage> ms = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ms.add(NewMessage.ofUtf8("m" + i));
        }
        SpoolClient.await(t.client.push(q, ms));
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS.withPrefetch(100).withAckBatch(50),
                d -> { })) {
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> c.stats().acked() == 500);
            // the acks carried no req: only the server's queue can tell that they were applied
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> {
                var stats = SpoolClient.await(t.client.getQueue(q)).stats();
                return stats.inFlight() == 0 && stats.ready() == 0;
            });
            assertThat(c.stats().stale()).isZero();
            assertThat(c.stats().handled()).isEqualTo(500);
        }
    }

    @Test
    void shouldCountAcksTheServerReportsAsNotAppliedAsStale() throws Exception {
        String q = "staleacks";
        SpoolClient.await(t.client.push(q, List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"))));
        CountDownLatch inHandler = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS.withConcurrency(2), d -> {
            inHandler.countDown();
            release.await(30, TimeUnit.SECONDS);
        })) {
            assertThat(inHandler.await(20, TimeUnit.SECONDS)).isTrue();
            // both leased messages are gone before their acks are sent: the server cannot apply them
            assertThat(SpoolClient.await(t.client.purgeQueue(q))).isEqualTo(2);
            release.countDown();
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> c.stats().stale() == 2);
            assertThat(c.stats().handled()).isEqualTo(2);
            assertThat(c.stats().acked()).as("acks reported as not applied leave the acked count").isZero();
        }
    }
}
