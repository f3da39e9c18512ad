package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueStats;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;

/** The task view and its long poll, results and their TTL, message TTLs and de-duplication. */
abstract class TaskContract extends ContractSupport {
    static final TaskResult RESULT = new TaskResult(Payload.ofUtf8("{\"total\":42}"), "application/json");

    TaskContract(BrokerContractTest suite) {
        super(suite);
    }

    private void ackWithResult(String q, Delivery d) {
        get(broker().ack(q, new AckRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)), Optional.of(RESULT))));
    }

    private CompletableFuture<MessageView> waitingView(String q, long id) {
        return broker().getMessage(q, id, new MessageQuery(Broker.DEFAULT_GROUP, u(50))).toCompletableFuture();
    }

    private static void assertResult(MessageView v) {
        assertThat(v.result()).hasValueSatisfying(r -> {
            assertThat(r.payload().asUtf8()).isEqualTo("{\"total\":42}");
            assertThat(r.contentType()).isEqualTo("application/json");
        });
    }

    @Test
    void shouldShowReadyMessageWithItsBody() {
        String q = createQueue();
        long id = push(q, "task");

        MessageView v = view(q, id);

        assertThat(v.id()).isEqualTo(id);
        assertThat(v.queue()).isEqualTo(q);
        assertThat(v.group()).isEqualTo(Broker.DEFAULT_GROUP);
        assertThat(v.state()).isEqualTo(MessageState.READY);
        assertThat(v.attempts()).isZero();
        assertThat(v.availableAt()).isZero();
        assertThat(v.lastError()).isEmpty();
        assertThat(v.result()).isEmpty();
        assertThat(v.body()).hasValueSatisfying(b -> assertThat(b.payload().asUtf8()).isEqualTo("task"));
    }

    @Test
    void shouldShowInFlightMessageWithLeaseEndAsAvailableAt() {
        String q = createQueue();
        long id = push(q, "task");
        Delivery d = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 45_000, 0))).get(0);

        MessageView v = view(q, id);

        assertThat(v.state()).isEqualTo(MessageState.IN_FLIGHT);
        assertThat(v.availableAt()).isEqualTo(d.leaseExpiresAt());
        assertThat(v.attempts()).isEqualTo(1);
        assertThat(v.enqueuedAt()).isEqualTo(d.enqueuedAt());
    }

    @Test
    void shouldKeepResultOfAckedTask() {
        String q = createQueue();
        long id = push(q, "task");

        ackWithResult(q, popOne(q));

        MessageView v = view(q, id);
        assertThat(v.state()).isEqualTo(MessageState.ACKED);
        assertThat(v.attempts()).isEqualTo(1);
        assertResult(v);
    }

    @Test
    void shouldShowAckedWithoutResultWhileRetained() {
        String q = createQueue(defaults().withRetentionMs(600_000));
        long id = push(q, "task");

        ack(q, popOne(q));

        MessageView v = view(q, id);
        assertThat(v.state()).isEqualTo(MessageState.ACKED);
        assertThat(v.result()).isEmpty();
    }

    @Test
    void shouldCompleteWaitingViewWhenTaskIsAckedFromAnotherThread() {
        String q = createQueue();
        long id = push(q, "task");
        Delivery d = popOne(q);
        CompletableFuture<MessageView> waiting = waitingView(q, id);
        assertThat(waiting).isNotDone();
        long start = System.nanoTime();

        CompletableFuture.runAsync(() -> ackWithResult(q, d));

        MessageView v = get(waiting);
        assertThat(elapsedMs(start)).isLessThan(u(25));
        assertThat(v.state()).isEqualTo(MessageState.ACKED);
        assertResult(v);
    }

    @Test
    void shouldReturnCurrentStateWhenViewWaitEnds() {
        String q = createQueue();
        long id = push(q, "task");
        long start = System.nanoTime();

        MessageView v = get(broker().getMessage(q, id, new MessageQuery(Broker.DEFAULT_GROUP, u(3))));

        assertThat(v.state()).isEqualTo(MessageState.READY);
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(u(3) - 20);
    }

    @Test
    void shouldAnswerWaitingViewAtOnceWhenTaskIsAlreadyTerminal() {
        String q = createQueue();
        long id = push(q, "task");
        ackWithResult(q, popOne(q));
        long start = System.nanoTime();

        MessageView v = get(waitingView(q, id));

        assertThat(v.state()).isEqualTo(MessageState.ACKED);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldCompleteWaitingViewWhenTaskDies() {
        String q = createQueue(defaults().withMaxAttempts(1));
        long id = push(q, "task");
        Delivery d = popOne(q);
        CompletableFuture<MessageView> waiting = waitingView(q, id);
        assertThat(waiting).isNotDone();

        nack(q, Broker.DEFAULT_GROUP, 0, "unrecoverable", d);

        MessageView v = get(waiting);
        assertThat(v.state()).isEqualTo(MessageState.DEAD);
        assertThat(v.lastError()).hasValueSatisfying(e -> assertThat(e).contains("unrecoverable"));
    }

    @Test
    void shouldForgetResultAfterResultTtl() {
        String q = createQueue(defaults().withResultTtlMs(u(10)));
        long id = push(q, "task");
        ackWithResult(q, popOne(q));
        assertThat(view(q, id).state()).isEqualTo(MessageState.ACKED);

        eventually().untilAsserted(() -> failure(ErrorCode.MESSAGE_NOT_FOUND,
                () -> broker().getMessage(q, id, MessageQuery.NOW)));
    }

    @Test
    void shouldForgetDeadTaskAfterResultTtl() {
        String q = createQueue(defaults().withMaxAttempts(1).withResultTtlMs(u(10)));
        long id = push(q, "task");
        nack(q, 0, popOne(q));
        assertThat(view(q, id).state()).isEqualTo(MessageState.DEAD);

        eventually().untilAsserted(() -> failure(ErrorCode.MESSAGE_NOT_FOUND,
                () -> broker().getMessage(q, id, MessageQuery.NOW)));
    }

    @Test
    void shouldFailWithMessageNotFoundForUnknownId() {
        String q = createQueue();

        failure(ErrorCode.MESSAGE_NOT_FOUND, () -> broker().getMessage(q, LeaseContract.UNKNOWN_ID, MessageQuery.NOW));
    }

    @Test
    void shouldShowStateOfTheAskedGroup() {
        String q = createQueue();
        get(broker().putGroup(q, "g", new GroupSpec(StartPosition.LATEST)));
        long id = push(q, "task");
        popOne(q);

        assertThat(view(q, id).state()).isEqualTo(MessageState.IN_FLIGHT);
        assertThat(view(q, "g", id).state()).isEqualTo(MessageState.READY);
        assertThat(view(q, "g", id).group()).isEqualTo("g");
    }

    @Test
    void shouldReportExpiredToWaiterWhenTtlPasses() {
        String q = createQueue();
        long id = push(q, NewMessage.builder("short-lived").ttlMs(u(10)).build());
        long start = System.nanoTime();

        MessageView v = get(waitingView(q, id));

        assertThat(v.state()).isEqualTo(MessageState.EXPIRED);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldDropReadyMessageWhenItsTtlPasses() {
        String q = createQueue();
        long id = push(q, NewMessage.builder("short-lived").ttlMs(u(2)).build());

        eventually().until(() -> stats(q).ready() == 0);

        assertNothingReady(q);
        failure(ErrorCode.MESSAGE_NOT_FOUND, () -> broker().getMessage(q, id, MessageQuery.NOW));
    }

    @Test
    void shouldDropDelayedMessageWhoseTtlPassesBeforeItsDelay() {
        String q = createQueue();
        push(q, NewMessage.builder("never").delayMs(u(6)).ttlMs(u(2)).build());

        eventually().until(() -> stats(q).delayed() == 0 && stats(q).ready() == 0);

        assertNothingReady(q);
    }

    @Test
    void shouldUseQueueMessageTtlWhenMessageHasNone() {
        String q = createQueue(defaults().withMessageTtlMs(u(2)));
        push(q, "short-lived");

        eventually().until(() -> stats(q).ready() == 0);

        assertNothingReady(q);
        assertThat(stats(q).dead()).isZero();
    }

    @Test
    void shouldPreferMessageTtlOverQueueTtl() {
        String q = createQueue(defaults().withMessageTtlMs(600_000));
        push(q, NewMessage.builder("short").ttlMs(u(2)).build());
        long kept = push(q, "long");

        eventually().until(() -> stats(q).ready() == 1);

        assertThat(popOne(q).id()).isEqualTo(kept);
    }

    @Test
    void shouldLetInFlightMessageBeAckedAfterItsTtlWhileLeaseLasts() {
        String q = createQueue();
        push(q, NewMessage.builder("work").ttlMs(u(5)).build());
        Delivery d = popOne(q);
        eventually().until(() -> System.currentTimeMillis() > d.enqueuedAt() + u(7));

        assertThat(ack(q, d)).isEqualTo(outcomes(ReceiptOutcome.OK));
    }

    @Test
    void shouldExpireInFlightMessageWhenLeaseEndsAfterItsTtl() {
        String q = createQueue();
        push(q, NewMessage.builder("work").ttlMs(u(5)).build());
        assertThat(get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, u(8), 0)))).hasSize(1);

        eventually().until(() -> stats(q).equals(QueueStats.EMPTY));

        assertNothingReady(q);
    }

    @Test
    void shouldReturnFirstIdForDuplicatePushWithinDedupWindow() {
        String q = createQueue();
        long first = push(q, NewMessage.builder("first").dedupId("order-1").build());

        long second = push(q, NewMessage.builder("second").dedupId("order-1").build());

        assertThat(second).isEqualTo(first);
        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(text(popOne(q))).isEqualTo("first");
    }

    @Test
    void shouldReturnFirstIdForDuplicateEvenAfterFirstWasAcked() {
        String q = createQueue();
        long first = push(q, NewMessage.builder("first").dedupId("order-1").build());
        ack(q, popOne(q));

        long second = push(q, NewMessage.builder("again").dedupId("order-1").build());

        assertThat(second).isEqualTo(first);
        assertNothingReady(q);
    }

    @Test
    void shouldDeduplicateWithinOneBatch() {
        String q = createQueue();

        long[] ids = get(broker().push(q, List.of(NewMessage.builder("a").dedupId("d").build(),
                NewMessage.builder("b").dedupId("d").build(), NewMessage.ofUtf8("c"))));

        assertThat(ids[1]).isEqualTo(ids[0]);
        assertThat(ids[2]).isNotEqualTo(ids[0]);
        assertThat(texts(pop(q, 10))).containsExactly("a", "c");
    }

    @Test
    void shouldStoreNewMessageAfterDedupWindowPassed() {
        String q = createQueue(defaults().withDedupWindowMs(u(3)));
        long first = push(q, NewMessage.builder("first").dedupId("order-1").build());
        long firstAt = view(q, first).enqueuedAt();
        eventually().until(() -> System.currentTimeMillis() > firstAt + u(4));

        long second = push(q, NewMessage.builder("second").dedupId("order-1").build());

        assertThat(second).isNotEqualTo(first);
        assertThat(texts(pop(q, 10))).containsExactly("first", "second");
    }

    @Test
    void shouldNotDeduplicateWhenDedupWindowIsZero() {
        String q = createQueue(defaults().withDedupWindowMs(0));

        long first = push(q, NewMessage.builder("a").dedupId("x").build());
        long second = push(q, NewMessage.builder("b").dedupId("x").build());

        assertThat(second).isNotEqualTo(first);
        assertThat(stats(q).ready()).isEqualTo(2);
    }

    @Test
    void shouldScopeDedupIdsToTheirQueue() {
        String q1 = createQueue();
        String q2 = createQueue();

        long a = push(q1, NewMessage.builder("a").dedupId("same").build());
        long b = push(q2, NewMessage.builder("b").dedupId("same").build());

        assertThat(b).isNotEqualTo(a);
        assertThat(text(popOne(q2))).isEqualTo("b");
    }
}
