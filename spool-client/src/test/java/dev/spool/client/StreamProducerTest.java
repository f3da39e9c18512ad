package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;

/**
 * The {@link Producer} over {@link PushTransport#STREAM}: confirmations, order per key with many
 * frames in flight, resending after the socket is cut mid-flight, and giving up once the server
 * is gone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamProducerTest {
    @RegisterExtension
    static final TestServer t = TestServer.perClass();


    private static ProducerOptions stream() {
        return ProducerOptions.DEFAULTS.withTransport(PushTransport.STREAM);
    }

    /** Pops and acks everything the queue holds, in delivery order. */
    private static List<Delivery> drain(String queue) {
        List<Delivery> all = new ArrayList<>();
        while (true) {
            List<Delivery> ds = SpoolClient.await(t.client.pop(queue, PopRequest.of(1000)));
            if (ds.isEmpty()) {
                return all;
            }
            all.addAll(ds);
            SpoolClient.await(t.client.ack(queue, AckRequest.of(Receipts.of(ds))));
        }
    }

    @Test
    void shouldCompleteEachFutureWithTheIdOfTheStoredMessage() {
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        try (Producer p = t.client.producer("confirmed", stream().withMaxBatch(10).withLingerMs(1))) {
            for (int i = 0; i < 95; i++) {
                fs.add(p.send(NewMessage.ofUtf8("c" + i)));
            }
        }
        List<Delivery> ds = drain("confirmed");
        assertThat(ds).hasSize(95);
        for (int i = 0; i < 95; i++) {
            assertThat(fs.get(i)).isCompletedWithValue(ds.get(i).id());
            assertThat(ds.get(i).body().payload().asUtf8()).isEqualTo("c" + i);
        }
    }

    @Test
    void shouldKeepSendOrderPerKeyWithManyFramesInFlight() {
        String q = "keyed";
        int keys = 7;
        int n = 3_000;
        try (Producer p = t.client.producer(q, stream().withMaxBatch(13).withLingerMs(0).withMaxBuffered(2_000))) {
            for (int i = 0; i < n; i++) {
                p.send(NewMessage.builder(Integer.toString(i))
                        .key("k" + (i % keys)).build());
            }
        }
        Map<String, Integer> last = new HashMap<>();
        List<Delivery> ds = drain(q);
        assertThat(ds).hasSize(n);
        for (Delivery d : ds) {
            int seq = Integer.parseInt(d.body().payload().asUtf8());
            String key = d.body().key().orElseThrow();
            assertThat(key).isEqualTo("k" + (seq % keys));
            assertThat(seq).as("key %s", key).isGreaterThan(last.getOrDefault(key, -1));
            last.put(key, seq);
        }
    }

    @Test
    void shouldResendUnconfirmedBatchesWhenTheSocketIsCutMidFlight() throws Exception {
        String q = "cut";
        int n = 20_000;
        try (CuttingProxy proxy = new CuttingProxy(t.server.port());
                SpoolClient c = SpoolClient.connect("http://127.0.0.1:" + proxy.port())) {
            Producer p = c.producer(q, stream().withMaxBatch(50).withLingerMs(1).withMaxBuffered(2_000)
                    .withReconnect(20, 60_000));
            List<CompletableFuture<Long>> fs = new ArrayList<>(n);
            AtomicLong confirmed = new AtomicLong();
            AtomicInteger cuts = new AtomicInteger();
            Thread sender = Thread.ofPlatform().name("cut-sender").start(() -> {
                for (int i = 0; i < n; i++) {
                    int segment = i / 4_000;
                    if (i % 4_000 == 0 && segment >= 1 && segment <= 3) {
                        // cut k comes before message 4,000·k is sent, so the producer always needs a new socket
                        Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> cuts.get() >= segment);
                    }
                    CompletableFuture<Long> f = p.send(NewMessage.ofUtf8("m" + i));
                    f.thenRun(confirmed::incrementAndGet);
                    fs.add(f);
                }
            });
            for (int cut = 1; cut <= 3; cut++) {
                // halfway through the segment the sender is sending, so batches are usually in flight
                long after = cut * 4_000L - 2_000;
                Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> confirmed.get() >= after);
                proxy.cut(); // frames in flight both ways are lost
                cuts.set(cut);
            }
            sender.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(sender.isAlive()).isFalse();
            p.close();
            assertThat(proxy.accepted()).as("a socket per cut, and the first").isGreaterThanOrEqualTo(4);
            assertThat(fs).hasSize(n).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
            long resent = p.resentMessages();

            List<Delivery> ds = drain(q);
            Map<String, Integer> copies = new LinkedHashMap<>();
            Map<Long, String> byId = new HashMap<>();
            for (Delivery d : ds) {
                String body = d.body().payload().asUtf8();
                copies.merge(body, 1, Integer::sum);
                byId.put(d.id(), body);
            }
            for (int i = 0; i < n; i++) {
                assertThat(byId.get(fs.get(i).join())).as("confirmed message %d is stored with its id", i)
                        .isEqualTo("m" + i);
            }
            assertThat(copies).hasSize(n);
            long duplicates = ds.size() - n;
            assertThat(duplicates).as("only resent messages may be stored twice").isLessThanOrEqualTo(resent);
            // first copies are in send order: a resend repeats a tail, it never overtakes
            List<String> firsts = new ArrayList<>(copies.keySet());
            for (int i = 0; i < n; i++) {
                assertThat(firsts.get(i)).isEqualTo("m" + i);
            }
        }
    }

    @Test
    void shouldSendOnANewSocketWhenTheOpenOneAnswersNothing() throws Exception {
        String q = "hung";
        try (CuttingProxy proxy = new CuttingProxy(t.server.port());
                SpoolClient c = SpoolClient.connect(ClientOptions.of("http://127.0.0.1:" + proxy.port())
                        .withRequestTimeoutMs(500))) {
            Producer p = c.producer(q, stream().withMaxBatch(10).withLingerMs(1));
            assertThat(p.send(NewMessage.ofUtf8("first")).orTimeout(10, TimeUnit.SECONDS).join()).isPositive();
            proxy.freeze(); // the socket stays open; its replies never arrive
            CompletableFuture<Long> f = p.send(NewMessage.ofUtf8("second"));
            long id = f.orTimeout(60, TimeUnit.SECONDS).join();
            p.close();
            assertThat(proxy.accepted()).as("the hung socket was replaced").isGreaterThanOrEqualTo(2);
            List<Delivery> ds = drain(q);
            assertThat(ds).anySatisfy(d -> {
                assertThat(d.id()).isEqualTo(id);
                assertThat(d.body().payload().asUtf8()).isEqualTo("second");
            });
            // the frozen socket may have stored it before its reply was lost: at most twice
            assertThat(ds).filteredOn(d -> d.body().payload().asUtf8().equals("second")).hasSizeBetween(1, 2);
        }
    }

    @Test
    void shouldFailTheUnconfirmedFuturesWhenTheServerIsGone() {
        TestServer gone = TestServer.start();
        Producer p = gone.client.producer("gone", stream().withMaxBatch(5).withLingerMs(1).withReconnect(3, 30_000));
        assertThat(p.send(NewMessage.ofUtf8("before")).orTimeout(10, TimeUnit.SECONDS).join()).isPositive();
        gone.server.close();
        List<CompletableFuture<Long>> after = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            after.add(p.send(NewMessage.ofUtf8("after" + i)));
        }
        p.flushAsync().orTimeout(30, TimeUnit.SECONDS).join();
        AtomicInteger gaveUp = new AtomicInteger();
        for (CompletableFuture<Long> f : after) {
            assertThat(f).isCompletedExceptionally();
            try {
                f.join();
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(SpoolException.class, se -> {
                    assertThat(se.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                    assertThat(se.getMessage()).contains("gave up pushing to gone");
                });
                gaveUp.incrementAndGet();
            }
        }
        assertThat(gaveUp).hasValue(12);
        gone.client.close();
    }
}
