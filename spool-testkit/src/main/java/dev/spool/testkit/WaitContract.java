package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.GroupSpec;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.StartPosition;

/**
 * Long polls: a waiting pop returns as soon as a message is ready (woken by the push, the timer of
 * a delay or lease, or a nack), and returns empty when its wait ends or its queue is deleted.
 * "Well before the wait ends" is measured: waits are 50 units and must return within 25.
 */
abstract class WaitContract extends ContractSupport {

    WaitContract(BrokerContractTest suite) {
        super(suite);
    }

    private CompletableFuture<List<Delivery>> waitingPop(String q, String group, int max) {
        return broker().pop(q, new PopRequest(group, max, LONG_LEASE_MS, u(50))).toCompletableFuture();
    }

    @Test
    void shouldReturnWaitingPopAsSoonAsPushArrives() {
        String q = createQueue();
        CompletableFuture<List<Delivery>> waiting = waitingPop(q, Broker.DEFAULT_GROUP, 1);
        assertThat(waiting).isNotDone();
        long start = System.nanoTime();

        long id = push(q, "wake");

        List<Delivery> ds = get(waiting);
        assertThat(elapsedMs(start)).isLessThan(u(25));
        assertThat(ids(ds)).containsExactly(id);
        assertThat(texts(ds)).containsExactly("wake");
    }

    @Test
    void shouldReturnEmptyWhenWaitEndsWithoutMessage() {
        String q = createQueue();
        long start = System.nanoTime();

        List<Delivery> ds = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(3))));

        assertThat(ds).isEmpty();
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(u(3) - 20).isLessThan(u(3) + u(25));
    }

    @Test
    void shouldReturnEmptyToWaiterWhenQueueIsDeleted() {
        String q = createQueue();
        CompletableFuture<List<Delivery>> waiting = waitingPop(q, Broker.DEFAULT_GROUP, 1);
        assertThat(waiting).isNotDone();
        long start = System.nanoTime();

        get(broker().deleteQueue(q));

        // a remote or database backend may see the delete before the pop reaches it; pops do not
        // create queues, so that pop is refused: either way the caller is answered at once
        try {
            assertThat(get(waiting)).isEmpty();
        } catch (dev.spool.api.SpoolException e) {
            assertThat(e.code()).isEqualTo(dev.spool.api.ErrorCode.QUEUE_NOT_FOUND);
        }
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldWakeWaiterWhenDelayedMessageBecomesReady() {
        String q = createQueue();
        long id = push(q, NewMessage.builder("later").delayMs(u(3)).build());
        long start = System.nanoTime();

        List<Delivery> ds = get(waitingPop(q, Broker.DEFAULT_GROUP, 1));

        assertThat(ids(ds)).containsExactly(id);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldWakeWaiterWhenLeaseExpires() {
        String q = createQueue(defaults().withMaxAttempts(0));
        long id = push(q, "a");
        get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, u(3), 0)));
        long start = System.nanoTime();

        List<Delivery> ds = get(waitingPop(q, Broker.DEFAULT_GROUP, 1));

        assertThat(ids(ds)).containsExactly(id);
        assertThat(ds.get(0).attempts()).isEqualTo(2);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldWakeWaiterWhenMessageIsNackedWithoutDelay() {
        String q = createQueue(defaults().withMaxAttempts(0));
        push(q, "a");
        Delivery first = popOne(q);
        CompletableFuture<List<Delivery>> waiting = waitingPop(q, Broker.DEFAULT_GROUP, 1);
        assertThat(waiting).isNotDone();
        long start = System.nanoTime();

        nack(q, 0, first);

        List<Delivery> ds = get(waiting);
        assertThat(ids(ds)).containsExactly(first.id());
        assertThat(ds.get(0).attempts()).isEqualTo(2);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldGiveEachWaiterDifferentMessages() {
        String q = createQueue();
        CompletableFuture<List<Delivery>> w1 = waitingPop(q, Broker.DEFAULT_GROUP, 1);
        CompletableFuture<List<Delivery>> w2 = waitingPop(q, Broker.DEFAULT_GROUP, 1);

        long[] pushed = get(broker().push(q, List.of(NewMessage.ofUtf8("x"), NewMessage.ofUtf8("y"))));

        List<Long> got = new ArrayList<>(ids(get(w1)));
        got.addAll(ids(get(w2)));
        assertThat(got).containsExactlyInAnyOrder(pushed[0], pushed[1]);
    }

    @Test
    void shouldWakeWaiterOfNamedGroupWhenPushArrives() {
        String q = createQueue();
        get(broker().putGroup(q, "g", new GroupSpec(StartPosition.LATEST)));
        CompletableFuture<List<Delivery>> waiting = waitingPop(q, "g", 1);
        assertThat(waiting).isNotDone();
        long start = System.nanoTime();

        long id = push(q, "fan");

        assertThat(ids(get(waiting))).containsExactly(id);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldNotWakeWaiterOfAnotherQueue() {
        String q = createQueue();
        String other = createQueue();
        CompletableFuture<List<Delivery>> waiting = broker().pop(q,
                new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(3))).toCompletableFuture();

        push(other, "elsewhere");

        assertThat(get(waiting)).isEmpty();
        assertThat(stats(other).ready()).isEqualTo(1);
    }

    @Test
    void shouldLeaveMessageReadyWhenItsWaiterAlreadyTimedOut() {
        String q = createQueue();
        assertThat(get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(1))))).isEmpty();

        long id = push(q, "after");

        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(popOne(q).id()).isEqualTo(id);
    }
}
