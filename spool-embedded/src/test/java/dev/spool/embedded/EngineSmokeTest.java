package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EngineSmokeTest {

    @Test
    void shouldPushPopAndAckInMemory() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            long[] ids = b.push("q", List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"))).toCompletableFuture()
                    .join();
            assertThat(ids).hasSize(2);
            assertThat(ids[1]).isGreaterThan(ids[0]);
            List<Delivery> ds = b.pop("q", PopRequest.of(10)).toCompletableFuture().join();
            assertThat(ds).extracting(d -> d.body().payload().asUtf8()).containsExactly("a", "b");
            assertThat(ds.get(0).attempts()).isEqualTo(1);
            Outcomes o = b.ack("q", AckRequest.of(Receipts.of(ds))).toCompletableFuture().join();
            assertThat(o.get(0)).isEqualTo(ReceiptOutcome.OK);
            assertThat(o.get(1)).isEqualTo(ReceiptOutcome.OK);
            Outcomes again = b.ack("q", AckRequest.of(Receipts.of(ds))).toCompletableFuture().join();
            assertThat(again.get(0)).isEqualTo(ReceiptOutcome.NOT_FOUND);
            assertThat(b.getQueue("q").toCompletableFuture().join().stats().ready()).isZero();
        }
    }

    @Test
    void shouldWakeAWaitingPopWhenAPushArrives() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            b.putQueue("w", QueueConfig.DEFAULTS).toCompletableFuture().join();
            var pending = b.pop("w", new PopRequest("default", 1, 0, 10_000)).toCompletableFuture();
            b.push("w", List.of(NewMessage.ofUtf8("x"))).toCompletableFuture().join();
            List<Delivery> ds = pending.orTimeout(5, TimeUnit.SECONDS).join();
            assertThat(ds).hasSize(1);
        }
    }

    @Test
    void shouldServeTheNextWaiterAndCountNoAttemptWhenAWaitingPopIsCancelled() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            b.putQueue("w", QueueConfig.DEFAULTS).toCompletableFuture().join();
            var gone = b.pop("w", new PopRequest("default", 1, 600_000, 10_000)).toCompletableFuture();
            var next = b.pop("w", new PopRequest("default", 1, 600_000, 10_000)).toCompletableFuture();
            gone.cancel(false);
            b.push("w", List.of(NewMessage.ofUtf8("x"))).toCompletableFuture().join();

            List<Delivery> ds = next.orTimeout(5, TimeUnit.SECONDS).join();

            // the engine skipped the withdrawn waiter: the first delivery is the message's first attempt
            assertThat(ds).extracting(d -> d.body().payload().asUtf8()).containsExactly("x");
            assertThat(ds.get(0).attempts()).isEqualTo(1);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldAnswerEveryCallRacingAClose() throws Exception {
        for (int round = 0; round < 100; round++) {
            EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS);
            List<CompletableFuture<?>> calls = new ArrayList<>();
            CountDownLatch started = new CountDownLatch(2);
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread caller = new Thread(() -> {
                    started.countDown();
                    for (int i = 0; i < 200; i++) {
                        var f = i % 2 == 0 ? b.push("q", List.of(NewMessage.ofUtf8("x"))).toCompletableFuture()
                                : b.pop("q", new PopRequest("default", 1, 0, 60_000)).toCompletableFuture();
                        synchronized (calls) {
                            calls.add(f);
                        }
                    }
                });
                caller.start();
                callers.add(caller);
            }
            started.await();
            b.close();
            for (Thread caller : callers) {
                caller.join();
            }
            // every call made before, during or after the close gets an answer: a result, or unavailable
            for (CompletableFuture<?> f : calls) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOfSatisfying(SpoolException.class,
                            x -> assertThat(x.code()).isEqualTo(ErrorCode.UNAVAILABLE));
                }
            }
        }
    }
}
