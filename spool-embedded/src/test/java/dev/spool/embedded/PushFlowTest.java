package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;

/**
 * Flow control of pushes ({@link PushFlow}) from the outside: a queue filled with nobody consuming
 * takes every push at once; once consumers are taking messages and more are ready than the bound
 * ({@link FlowControl}), a push waits until they catch up, or until they stop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushFlowTest {
    /** The message bound alone (no time bound), so that the tests below do not depend on timing. */
    private static final FlowControl BY_COUNT = new FlowControl(0, 10_000, 5_000, 65_536);
    private static final FlowControl BY_TIME = new FlowControl(20, 10_000, 5_000, 65_536);
    private static final long BACKLOG = BY_COUNT.backlogMessages();
    private static final int OVER = (int) BACKLOG + 1_000;

    private static EmbeddedBroker open(FlowControl flow) {
        return EmbeddedBroker.open(EmbeddedConfig.memory().withFlow(flow), BrokerSettings.DEFAULTS);
    }

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
        try (EmbeddedBroker b = open(BY_COUNT)) {
            fill(b, OVER);
            // a consumer takes messages; the push right behind it finds the group consumed and behind
            CompletableFuture<List<Delivery>> first = pop(b, 10);
            CompletableFuture<long[]> held = b.push("q", List.of(NewMessage.ofUtf8("late"))).toCompletableFuture();
            first.join();
            pop(b, 10).join(); // applied after the push was looked at
            assertThat(held).isNotDone();
            assertThat(ready(b)).isEqualTo(OVER - 20);
            while (ready(b) > BACKLOG) {
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
        try (EmbeddedBroker b = open(BY_COUNT)) {
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

    @Test
    void shouldBufferABacklogBelowTheMessageBoundForASlowConsumerByDefault() {
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            fill(b, 5_000);
            // a job queue: workers take 10 at a time and hold them; a producer's burst must not wait for them
            pop(b, 10).join();
            assertThat(b.push("q", List.of(NewMessage.ofUtf8("burst"))).toCompletableFuture()
                    .orTimeout(2, TimeUnit.SECONDS).join()).hasSize(1);
        }
    }

    @Test
    void shouldHoldAPushBelowTheMessageBoundWhenTheBacklogIsLongerThanTheTimeBound() {
        try (EmbeddedBroker b = open(BY_TIME)) {
            fill(b, 5_000);
            // pops of 10 by a slow consumer: 5,000 ready is far more than 20 ms of its work
            CompletableFuture<List<Delivery>> first = pop(b, 10);
            CompletableFuture<long[]> held = b.push("q", List.of(NewMessage.ofUtf8("late"))).toCompletableFuture();
            first.join();
            pop(b, 10).join();
            assertThat(held).isNotDone();
            assertThat(5_000L).isLessThan(FlowControl.DEFAULTS.backlogMessages());
            int pops = 0;
            while (!held.isDone() && pops++ < 1_000) {
                pop(b, 10).join();
            }
            assertThat(held.orTimeout(10, TimeUnit.SECONDS).join()).hasSize(1);
            // released once the backlog was under 20 ms of the consumer's (measured) rate, not when it emptied
            assertThat(ready(b)).isGreaterThan(0);
        }
    }

    @Test
    void shouldRefuseAPushThatWouldBeHeldWhenMaxHeldIsReached() {
        try (EmbeddedBroker b = open(new FlowControl(0, 10_000, 5_000, 0))) {
            fill(b, OVER);
            CompletableFuture<List<Delivery>> first = pop(b, 10);
            CompletableFuture<long[]> refused = b.push("q", List.of(NewMessage.ofUtf8("x"))).toCompletableFuture();
            first.join();
            assertThatThrownBy(() -> refused.orTimeout(10, TimeUnit.SECONDS).join())
                    .cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS));
        }
    }

    @Test
    void shouldMeasureTheTakeRateAndBoundTheBacklogByItInTime() {
        GroupState g = new QueueState(1, "q", dev.spool.api.QueueConfig.DEFAULTS, 0).defaultGroup;
        PushFlow flow = new PushFlow(BY_TIME);
        assertThat(flow.bound(g)).as("nothing measured yet").isEqualTo(1);
        PushFlow.took(g, 1_000, 1_000, 1_000_000_000L);
        assertThat(flow.bound(g)).as("no rate yet: the largest pop").isEqualTo(1_000);
        PushFlow.took(g, 1_000, 1_000, 1_010_000_000L);
        // 2,000 messages in 10 ms: 200,000 a second, of which 20 ms is 4,000
        assertThat(flow.bound(g)).isEqualTo(4_000);
        PushFlow.took(g, 10_000, 10_000, 1_020_000_000L);
        // (200,000 + 1,000,000) / 2 = 600,000 a second: 20 ms of it is above the message bound
        assertThat(flow.bound(g)).isEqualTo(10_000);
        assertThat(new PushFlow(BY_COUNT).bound(g)).isEqualTo(10_000);
        GroupState slow = new QueueState(2, "s", dev.spool.api.QueueConfig.DEFAULTS, 0).defaultGroup;
        PushFlow.took(slow, 1_000, 1_000, 1_000_000_000L);
        PushFlow.took(slow, 1_000, 1_000, 1_100_000_000L);
        // 20,000 a second is 400 in 20 ms, but a consumer popping 1,000 at a time finds a full batch
        assertThat(flow.bound(slow)).isEqualTo(1_000);
    }
}
