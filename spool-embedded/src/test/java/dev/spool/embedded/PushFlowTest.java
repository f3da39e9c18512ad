package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;

/**
 * Flow control of pushes ({@link PushFlow}) from the outside: a queue filled with nobody consuming
 * takes every push at once; once consumers are taking messages and more than
 * {@link PushFlow#BACKLOG} are ready, a push waits until they catch up, or until they stop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushFlowTest {
    private static final int OVER = (int) PushFlow.BACKLOG + 1_000;

    private static void fill(EmbeddedBroker b, int n) {
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            batch.add(NewMessage.ofUtf8("m"));
        }
        for (int i = 0; i < n / 1_000; i++) {
            b.push("q", batch).toCompletableFuture().join();
        }
    }

    private static long ready(EmbeddedBroker b) {
        return b.getQueue("q").toCompletableFuture().join().stats().ready();
    }

    private static CompletableFuture<List<Delivery>> pop(EmbeddedBroker b, int max) {
        return b.pop("q", PopRequest.of(max)).toCompletableFuture();
    }

    @Test
    void shouldTakeEveryPushAtOnceWhenNobodyConsumes() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            fill(b, OVER + 5_000);
            assertThat(ready(b)).isEqualTo(OVER + 5_000);
        }
    }

    @Test
    void shouldHoldAPushWhileConsumersAreBehindAndApplyItOnceTheyCatchUp() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            fill(b, OVER);
            // a consumer takes messages; the push right behind it finds the group consumed and behind
            CompletableFuture<List<Delivery>> first = pop(b, 10);
            CompletableFuture<long[]> held = b.push("q", List.of(NewMessage.ofUtf8("late"))).toCompletableFuture();
            first.join();
            pop(b, 10).join(); // applied after the push was looked at
            assertThat(held).isNotDone();
            assertThat(ready(b)).isEqualTo(OVER - 20);
            while (ready(b) > PushFlow.BACKLOG) {
                pop(b, 100).join();
            }
            long[] ids = held.orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(ids).hasSize(1);
            List<Delivery> rest = new ArrayList<>();
            List<Delivery> got;
            while (!(got = pop(b, 1_000).join()).isEmpty()) {
                rest.addAll(got);
            }
            assertThat(rest.get(rest.size() - 1).body().payload().asUtf8()).isEqualTo("late");
        }
    }

    @Test
    void shouldApplyHeldPushesInOrderWhenConsumersStop() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            fill(b, OVER);
            CompletableFuture<List<Delivery>> first = pop(b, 10);
            CompletableFuture<long[]> a = b.push("q", List.of(NewMessage.ofUtf8("a"))).toCompletableFuture();
            CompletableFuture<long[]> c = b.push("q", List.of(NewMessage.ofUtf8("c"))).toCompletableFuture();
            first.join();
            // nobody takes anything more: after PushFlow.ACTIVE_NANOS the consumers count as gone
            long idA = a.orTimeout(10, TimeUnit.SECONDS).join()[0];
            long idC = c.orTimeout(10, TimeUnit.SECONDS).join()[0];
            assertThat(idC).isGreaterThan(idA);
            assertThat(ready(b)).isEqualTo(OVER - 10 + 2);
        }
    }
}
