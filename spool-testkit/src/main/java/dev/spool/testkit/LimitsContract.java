package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.Health;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.StartPosition;

/** Resource bounds, health, settings and close. */
abstract class LimitsContract extends ContractSupport {

    LimitsContract(BrokerContractTest suite) {
        super(suite);
    }

    private BrokerSettings withLimits(int maxQueues, int maxGroups, int maxBatch, int maxWaiters) {
        BrokerLimits l = settings().limits();
        return settings().withLimits(new BrokerLimits(maxQueues, maxGroups, maxBatch, l.maxPop(), l.maxWaitMs(),
                maxWaiters, l.maxTxOps(), l.maxBrowse()));
    }

    @Test
    void shouldFailWaitersBeyondMaxWaitersWithTooManyRequests() {
        BrokerLimits l = settings().limits();
        Broker b = open(withLimits(l.maxQueues(), l.maxGroupsPerQueue(), l.maxBatch(), 1));
        String q = queueName();
        get(b.putQueue(q, defaults()));
        CompletableFuture<List<Delivery>> first = b.pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(50)))
                .toCompletableFuture();
        assertThat(first).isNotDone();

        var e = failure(ErrorCode.TOO_MANY_REQUESTS, () -> b.pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(50))));

        assertThat(e.retryAfterMs()).isPresent();
        assertThat(get(b.pop(q, PopRequest.of(1)))).isEmpty();
        get(b.push(q, List.of(NewMessage.ofUtf8("release"))));
        assertThat(get(first)).hasSize(1);
    }

    @Test
    void shouldCountWaitingTaskViewsTowardMaxWaiters() {
        BrokerLimits l = settings().limits();
        Broker b = open(withLimits(l.maxQueues(), l.maxGroupsPerQueue(), l.maxBatch(), 1));
        String q = queueName("tasks");
        String empty = queueName("empty");
        get(b.putQueue(empty, defaults()));
        long id = get(b.push(q, List.of(NewMessage.ofUtf8("task"))))[0];
        CompletableFuture<MessageView> view = b.getMessage(q, id, new MessageQuery(Broker.DEFAULT_GROUP, u(50)))
                .toCompletableFuture();
        assertThat(view).isNotDone();

        failure(ErrorCode.TOO_MANY_REQUESTS, () -> b.pop(empty, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(50))));

        List<Delivery> ds = get(b.pop(q, PopRequest.of(1)));
        get(b.ack(q, AckRequest.of(Receipts.of(ds))));
        assertThat(get(view).state()).isEqualTo(MessageState.ACKED);
    }

    @Test
    void shouldFailQueuesBeyondMaxQueuesWithTooManyRequests() {
        int existing = get(broker().listQueues()).size();
        BrokerLimits l = settings().limits();
        Broker b = open(withLimits(existing + 2, l.maxGroupsPerQueue(), l.maxBatch(), l.maxWaiters()));
        get(b.putQueue(queueName("one"), defaults()));
        get(b.putQueue(queueName("two"), defaults()));
        String third = queueName("three");

        failure(ErrorCode.TOO_MANY_REQUESTS, () -> b.putQueue(third, defaults()));
        failure(ErrorCode.TOO_MANY_REQUESTS, () -> b.push(third, List.of(NewMessage.ofUtf8("auto"))));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> b.getQueue(third));
    }

    @Test
    void shouldFailGroupsBeyondMaxGroupsPerQueueWithTooManyRequests() {
        BrokerLimits l = settings().limits();
        Broker b = open(withLimits(l.maxQueues(), 2, l.maxBatch(), l.maxWaiters()));
        String q = queueName();
        get(b.putQueue(q, defaults()));
        get(b.putGroup(q, "a", new GroupSpec(StartPosition.LATEST)));
        get(b.putGroup(q, "b", new GroupSpec(StartPosition.LATEST)));

        failure(ErrorCode.TOO_MANY_REQUESTS, () -> b.putGroup(q, "c", new GroupSpec(StartPosition.LATEST)));

        assertThat(get(b.putGroup(q, "a", new GroupSpec(StartPosition.LATEST))).name()).isEqualTo("a");
        assertThat(get(b.listGroups(q))).hasSize(3);
    }

    @Test
    void shouldRejectMoreReceiptsThanMaxBatchNamingReceipts() {
        BrokerLimits l = settings().limits();
        Broker b = open(withLimits(l.maxQueues(), l.maxGroupsPerQueue(), 2, l.maxWaiters()));
        String q = queueName();
        get(b.push(q, List.of(NewMessage.ofUtf8("1"), NewMessage.ofUtf8("2"))));
        get(b.push(q, List.of(NewMessage.ofUtf8("3"))));
        List<Delivery> ds = new ArrayList<>(get(b.pop(q, new PopRequest(Broker.DEFAULT_GROUP, 3, 0, 0))));

        invalid("receipts", () -> b.ack(q, AckRequest.of(Receipts.of(ds))));

        assertThat(get(b.getQueue(q)).stats().inFlight()).isEqualTo(3);
    }

    @Test
    void shouldReportReadyHealth() {
        Health h = get(broker().health());

        assertThat(h.ready()).isTrue();
        assertThat(h.detail()).isNotBlank();
    }

    @Test
    void shouldExposeTheSettingsItWasOpenedWith() {
        BrokerSettings s = settings().withAutoCreateQueues(false)
                .withQueueDefaults(defaults().withMaxAttempts(7));

        assertThat(open(s).settings()).isEqualTo(s);
    }

    @Test
    void shouldReturnEmptyToWaitingPopWhenClosed() {
        Broker b = open(settings());
        String q = queueName();
        get(b.putQueue(q, settings().queueDefaults()));
        CompletableFuture<List<Delivery>> waiting = b.pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, u(50)))
                .toCompletableFuture();
        get(b.getQueue(q));
        long start = System.nanoTime();

        b.close();

        assertThat(get(waiting)).isEmpty();
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldFailCallsAfterCloseWithUnavailable() {
        Broker b = open(settings());
        String q = queueName();
        get(b.push(q, List.of(NewMessage.ofUtf8("a"))));

        b.close();

        failure(ErrorCode.UNAVAILABLE, () -> b.push(q, List.of(NewMessage.ofUtf8("b"))));
        failure(ErrorCode.UNAVAILABLE, () -> b.getQueue(q));
        failure(ErrorCode.UNAVAILABLE, () -> b.pop(q, PopRequest.of(1)));
    }

    @Test
    void shouldCloseTwiceWithoutError() {
        Broker b = open(settings());
        get(b.push(queueName(), List.of(NewMessage.ofUtf8("a"))));

        b.close();
        b.close();

        failure(ErrorCode.UNAVAILABLE, () -> b.listQueues());
    }

    @Test
    void shouldCompleteWaitingTaskViewWhenClosed() throws Exception {
        Broker b = open(settings());
        String q = queueName();
        long id = get(b.push(q, List.of(NewMessage.ofUtf8("a"))))[0];
        CompletableFuture<MessageView> waiting = b.getMessage(q, id, new MessageQuery(Broker.DEFAULT_GROUP, u(50)))
                .toCompletableFuture();
        long start = System.nanoTime();

        b.close();

        // Either the current state or UNAVAILABLE: what matters is that the caller is not left hanging.
        waiting.handle((v, t) -> v).get(callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        assertThat(waiting).isDone();
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }
}
