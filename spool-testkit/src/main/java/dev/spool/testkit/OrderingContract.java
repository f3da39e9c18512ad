package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueStats;

/**
 * Delivery order: priority first, then push order; a keyed message only when it is the oldest
 * unfinished one of its key; delays by {@code delay_ms} and {@code not_before}.
 */
abstract class OrderingContract extends ContractSupport {

    OrderingContract(BrokerContractTest suite) {
        super(suite);
    }

    private long pushKeyed(String q, String key, String text) {
        return push(q, NewMessage.builder(text).key(key).build());
    }

    private long pushPriority(String q, int priority, String text) {
        return push(q, NewMessage.builder(text).priority(priority).build());
    }

    @Test
    void shouldDeliverMessagesWithoutKeyInPushOrder() {
        String q = createQueue();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add("m" + i);
            push(q, "m" + i);
        }

        List<String> got = new ArrayList<>(texts(pop(q, 7)));
        got.addAll(texts(pop(q, 20)));

        assertThat(got).containsExactlyElementsOf(sent);
    }

    @Test
    void shouldDeliverHigherPriorityFirst() {
        String q = createQueue();
        pushPriority(q, 0, "p0");
        pushPriority(q, 9, "p9");
        pushPriority(q, 5, "p5");
        pushPriority(q, 1, "p1");

        assertThat(texts(pop(q, 10))).containsExactly("p9", "p5", "p1", "p0");
    }

    @Test
    void shouldDeliverEqualPriorityInPushOrder() {
        String q = createQueue();
        pushPriority(q, 3, "a");
        pushPriority(q, 7, "b");
        pushPriority(q, 3, "c");
        pushPriority(q, 7, "d");

        assertThat(texts(pop(q, 1))).containsExactly("b");
        assertThat(texts(pop(q, 10))).containsExactly("d", "a", "c");
    }

    @Test
    void shouldPreferHigherPriorityPushedLaterOverReadyLowerPriority() {
        String q = createQueue();
        pushEach(q, "low1", "low2");
        assertThat(texts(pop(q, 1))).containsExactly("low1");

        pushPriority(q, 8, "urgent");

        assertThat(texts(pop(q, 1))).containsExactly("urgent");
    }

    @Test
    void shouldDeliverOnlyOldestMessageOfKey() {
        String q = createQueue();
        pushKeyed(q, "k", "k1");
        pushKeyed(q, "k", "k2");
        pushKeyed(q, "k", "k3");

        assertThat(texts(pop(q, 10))).containsExactly("k1");
        assertNothingReady(q);
    }

    @Test
    void shouldCountMessagesWaitingBehindTheirKeyAsDelayed() {
        String q = createQueue();
        pushKeyed(q, "k", "k1");
        long second = pushKeyed(q, "k", "k2");
        pushKeyed(q, "k", "k3");

        QueueStats s = stats(q);

        assertThat(List.of(s.ready(), s.delayed(), s.inFlight())).containsExactly(1L, 2L, 0L);
        assertThat(view(q, second).state()).isEqualTo(MessageState.DELAYED);
    }

    @Test
    void shouldReleaseNextMessageOfKeyWhenPreviousIsAcked() {
        String q = createQueue();
        pushKeyed(q, "k", "k1");
        pushKeyed(q, "k", "k2");
        Delivery first = popOne(q);

        ack(q, first);

        assertThat(texts(pop(q, 10))).containsExactly("k2");
    }

    @Test
    void shouldReleaseNextMessageOfKeyWhenPreviousDies() {
        String q = createQueue(defaults().withMaxAttempts(1));
        pushKeyed(q, "k", "k1");
        pushKeyed(q, "k", "k2");

        nack(q, 0, popOne(q));

        assertThat(texts(pop(q, 10))).containsExactly("k2");
    }

    @Test
    void shouldRedeliverSameMessageOfKeyWhenItsLeaseExpires() {
        String q = createQueue();
        long k1 = pushKeyed(q, "k", "k1");
        pushKeyed(q, "k", "k2");
        get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, u(2), 0)));

        Delivery again = awaitPop(q);

        assertThat(again.id()).isEqualTo(k1);
        assertThat(again.attempts()).isEqualTo(2);
        assertNothingReady(q);
    }

    @Test
    void shouldKeepNextOfKeyBlockedWhilePreviousIsNackedWithDelay() {
        String q = createQueue();
        long k1 = pushKeyed(q, "k", "k1");
        pushKeyed(q, "k", "k2");

        nack(q, u(10), popOne(q));

        assertNothingReady(q);
        Delivery again = awaitPop(q);
        assertThat(again.id()).isEqualTo(k1);
        assertThat(again.attempts()).isEqualTo(2);
    }

    @Test
    void shouldDeliverDifferentKeysInParallel() {
        String q = createQueue();
        pushKeyed(q, "a", "a1");
        pushKeyed(q, "a", "a2");
        pushKeyed(q, "b", "b1");
        pushKeyed(q, "b", "b2");

        assertThat(texts(pop(q, 10))).containsExactly("a1", "b1");
    }

    @Test
    void shouldIgnorePriorityWithinOneKey() {
        String q = createQueue();
        push(q, NewMessage.builder("first").key("k").priority(0).build());
        push(q, NewMessage.builder("second").key("k").priority(9).build());

        assertThat(texts(pop(q, 10))).containsExactly("first");
    }

    @Test
    void shouldInterleaveKeyedAndUnkeyedMessagesInPushOrder() {
        String q = createQueue();
        pushKeyed(q, "k", "k1");
        push(q, "free1");
        pushKeyed(q, "k", "k2");
        push(q, "free2");

        assertThat(texts(pop(q, 10))).containsExactly("k1", "free1", "free2");
    }

    @Test
    void shouldKeepKeyOrderAcrossManyMessagesConsumedOneByOne() {
        String q = createQueue();
        for (int i = 0; i < 10; i++) {
            pushKeyed(q, "k", "k" + i);
        }
        List<String> got = new ArrayList<>();

        for (int i = 0; i < 10; i++) {
            List<Delivery> ds = pop(q, 10);
            assertThat(ds).hasSize(1);
            got.add(text(ds.get(0)));
            ack(q, ds.get(0));
        }

        assertThat(got).containsExactly("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9");
    }

    @Test
    void shouldHoldMessageForItsDelayMs() {
        String q = createQueue();
        long id = push(q, NewMessage.builder("later").delayMs(u(10)).build());

        MessageView v = view(q, id);

        assertThat(v.state()).isEqualTo(MessageState.DELAYED);
        assertThat(v.availableAt()).isCloseTo(v.enqueuedAt() + u(10), within(5L));
        assertThat(stats(q).delayed()).isEqualTo(1);
        assertThat(awaitPop(q).id()).isEqualTo(id);
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(v.availableAt());
    }

    @Test
    void shouldHoldMessageUntilNotBefore() {
        String q = createQueue();
        long at = System.currentTimeMillis() + u(10);
        long id = push(q, NewMessage.builder("later").notBeforeMs(at).build());

        MessageView v = view(q, id);

        assertThat(v.state()).isEqualTo(MessageState.DELAYED);
        assertThat(v.availableAt()).isEqualTo(at);
        assertThat(awaitPop(q).id()).isEqualTo(id);
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(at);
    }

    @Test
    void shouldUseLaterOfDelayAndNotBefore() {
        String q = createQueue();
        long far = System.currentTimeMillis() + 600_000;
        long byNotBefore = push(q, NewMessage.builder("nb").delayMs(1_000).notBeforeMs(far).build());
        long byDelay = push(q, NewMessage.builder("d").delayMs(900_000).notBeforeMs(far - 500_000).build());

        MessageView nb = view(q, byNotBefore);
        MessageView d = view(q, byDelay);

        assertThat(nb.availableAt()).isEqualTo(far);
        assertThat(d.availableAt()).isCloseTo(d.enqueuedAt() + 900_000, within(5L));
    }

    @Test
    void shouldDeliverAtOnceWhenNotBeforeIsInThePast() {
        String q = createQueue();
        long id = push(q, NewMessage.builder("past").notBeforeMs(System.currentTimeMillis() - 60_000).build());

        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(popOne(q).id()).isEqualTo(id);
    }

    @Test
    void shouldDeliverDelayedMessageByPriorityOnceReady() {
        String q = createQueue();
        push(q, NewMessage.builder("delayed-high").priority(9).delayMs(u(2)).build());
        push(q, "ready-low");
        eventually().until(() -> stats(q).ready() == 2);

        assertThat(texts(pop(q, 10))).containsExactly("delayed-high", "ready-low");
    }

    @Test
    void shouldBlockKeyBehindDelayedOlderMessage() {
        String q = createQueue();
        long first = push(q, NewMessage.builder("k1").key("k").delayMs(600_000).build());
        pushKeyed(q, "k", "k2");

        assertNothingReady(q);
        assertThat(view(q, first).availableAt()).isCloseTo(System.currentTimeMillis() + 600_000, within(5_000L));
    }
}
