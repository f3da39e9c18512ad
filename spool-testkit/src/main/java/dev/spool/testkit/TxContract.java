package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.ExtendRequest;
import dev.spool.api.MessageState;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueStats;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/**
 * Transactions: every operation applies or none does; the failing operation is named by
 * {@link SpoolException#opIndex()}, and a stale or unknown receipt fails as {@code STALE_RECEIPT}.
 */
abstract class TxContract extends ContractSupport {

    TxContract(BrokerContractTest suite) {
        super(suite);
    }

    private static TxOp.Push pushOp(String q, String... texts) {
        return new TxOp.Push(q, Arrays.stream(texts).map(NewMessage::ofUtf8).toList());
    }

    private static TxOp.Ack ackOp(String q, Delivery... ds) {
        return new TxOp.Ack(q, AckRequest.of(Receipts.of(List.of(ds))));
    }

    private TxResult transact(TxOp... ops) {
        return get(broker().transact(List.of(ops)));
    }

    private SpoolException txFailure(ErrorCode code, int opIndex, TxOp... ops) {
        SpoolException e = failure(code, () -> broker().transact(List.of(ops)));
        assertThat(e.opIndex()).as("op index of: %s", e.getMessage()).hasValue(opIndex);
        return e;
    }

    /** A delivery whose receipt is stale: the message was nacked for a long delay after it. */
    private Delivery staleDelivery(String q) {
        push(q, "stale");
        Delivery d = popOne(q);
        nack(q, LONG_LEASE_MS, d);
        return d;
    }

    @Test
    void shouldAckAndPushAtomically() {
        String in = createQueue();
        String out = createQueue();
        push(in, "input");
        Delivery d = popOne(in);

        TxResult r = transact(ackOp(in, d), pushOp(out, "output"));

        assertThat(r.pushedIds()).hasSize(2);
        assertThat(r.pushedIds().get(0)).isEmpty();
        assertThat(r.pushedIds().get(1)).hasSize(1);
        assertThat(stats(in)).isEqualTo(QueueStats.EMPTY);
        Delivery produced = popOne(out);
        assertThat(produced.id()).isEqualTo(r.pushedIds().get(1)[0]);
        assertThat(text(produced)).isEqualTo("output");
    }

    @Test
    void shouldChangeNothingWhenAReceiptIsStale() {
        String in = createQueue();
        String out = createQueue();
        Delivery stale = staleDelivery(in);

        txFailure(ErrorCode.STALE_RECEIPT, 1, pushOp(out, "output"), ackOp(in, stale));

        assertThat(stats(out).ready()).isZero();
        assertThat(view(in, stale.id()).state()).isEqualTo(MessageState.DELAYED);
        assertThat(view(in, stale.id()).attempts()).isEqualTo(1);
    }

    @Test
    void shouldFailWithStaleReceiptWhenReceiptMessageIsUnknown() {
        String in = createQueue();
        String out = createQueue();

        txFailure(ErrorCode.STALE_RECEIPT, 0,
                new TxOp.Ack(in, AckRequest.of(Receipts.of(LeaseContract.UNKNOWN_ID, 1))), pushOp(out, "x"));

        assertThat(stats(out).ready()).isZero();
    }

    @Test
    void shouldChangeNothingWhenAReceiptTagIsForged() {
        assumeSignedReceipts();
        String in = createQueue();
        String out = createQueue();
        push(in, "m");
        Delivery d = popOne(in);
        Delivery forged = new Delivery(d.id(), d.attempts(), d.enqueuedAt(), d.leaseExpiresAt(), d.body(),
                d.tag() ^ 0x100);

        txFailure(ErrorCode.STALE_RECEIPT, 1, pushOp(out, "output"), ackOp(in, forged));

        assertThat(stats(out).ready()).isZero();
        assertThat(view(in, d.id()).state()).isEqualTo(MessageState.IN_FLIGHT);
        assertThat(ack(in, d)).isEqualTo(outcomes(ReceiptOutcome.OK));
    }

    @Test
    void shouldApplyNoReceiptOfAnAckBatchWhenOneIsStale() {
        String q = createQueue();
        Delivery stale = staleDelivery(q);
        push(q, "current");
        Delivery current = popOne(q);

        txFailure(ErrorCode.STALE_RECEIPT, 0, ackOp(q, current, stale));

        assertThat(view(q, current.id()).state()).isEqualTo(MessageState.IN_FLIGHT);
        assertThat(ack(q, current)).isEqualTo(outcomes(ReceiptOutcome.OK));
    }

    @Test
    void shouldPushToSeveralQueuesInOneTransaction() {
        String q1 = createQueue();
        String q2 = createQueue();

        TxResult r = transact(pushOp(q1, "a", "b"), pushOp(q2, "c"));

        assertThat(r.pushedIds().get(0)).hasSize(2);
        assertThat(r.pushedIds().get(1)).hasSize(1);
        assertThat(ids(pop(q1, 10))).containsExactly(r.pushedIds().get(0)[0], r.pushedIds().get(0)[1]);
        assertThat(texts(pop(q2, 10))).containsExactly("c");
    }

    @Test
    void shouldNackInTransaction() {
        String q = createQueue();
        String out = createQueue();
        long id = push(q, "job");
        Delivery d = popOne(q);

        transact(new TxOp.Nack(q, new NackRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)), OptionalLong.of(0),
                Optional.of("retry later"))), pushOp(out, "log"));

        Delivery again = popOne(q);
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.attempts()).isEqualTo(2);
        assertThat(view(q, id).lastError()).contains("retry later");
        assertThat(stats(out).ready()).isEqualTo(1);
    }

    @Test
    void shouldExtendInTransaction() {
        String q = createQueue();
        long id = push(q, "job");
        Delivery d = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 5_000, 0))).get(0);

        transact(new TxOp.Extend(q, new ExtendRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)), 50_000)));

        assertThat(view(q, id).availableAt()).isCloseTo(System.currentTimeMillis() + 50_000, within(2_000L));
    }

    @Test
    void shouldNameOpAndFieldOfInvalidMessage() {
        String q1 = createQueue();
        String q2 = createQueue();

        SpoolException e = txFailure(ErrorCode.INVALID_ARGUMENT, 1, pushOp(q1, "ok"),
                new TxOp.Push(q2, List.of(NewMessage.builder("bad").priority(10).build())));

        // The op index says which operation; the field is named within that operation's body.
        assertThat(e.field()).hasValueSatisfying(f -> assertThat(f).endsWith("messages[0].priority"));
        assertThat(stats(q1).ready()).isZero();
    }

    @Test
    void shouldFailWithQueueNotFoundWhenPushingToMissingQueueWithAutoCreateOff() {
        Broker b = open(settings().withAutoCreateQueues(false));
        String q1 = queueName("present");
        String missing = queueName("missing");
        get(b.putQueue(q1, defaults()));

        SpoolException e = failure(ErrorCode.QUEUE_NOT_FOUND,
                () -> b.transact(List.of(pushOp(q1, "a"), pushOp(missing, "b"))));

        assertThat(e.opIndex()).hasValue(1);
        assertThat(get(b.getQueue(q1)).stats().ready()).isZero();
    }

    @Test
    void shouldFailWithQueueNotFoundWhenAckingOnMissingQueue() {
        String q1 = createQueue();
        String missing = queueName("missing");

        txFailure(ErrorCode.QUEUE_NOT_FOUND, 1, pushOp(q1, "a"),
                new TxOp.Ack(missing, AckRequest.of(Receipts.of(LeaseContract.UNKNOWN_ID, 1))));

        assertThat(stats(q1).ready()).isZero();
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(missing));
    }

    @Test
    void shouldCreateQueueOnTransactionPushWhenAutoCreateIsOn() {
        String q = queueName();

        TxResult r = transact(pushOp(q, "a"));

        assertThat(get(broker().getQueue(q)).stats().ready()).isEqualTo(1);
        assertThat(popOne(q).id()).isEqualTo(r.pushedIds().get(0)[0]);
    }

    @Test
    void shouldRejectEmptyTransactionNamingOps() {
        invalid("ops", () -> broker().transact(List.of()));
    }

    @Test
    void shouldRejectTransactionWithMoreOpsThanLimitNamingOps() {
        BrokerLimits l = BrokerLimits.DEFAULTS;
        Broker b = open(settings().withLimits(new BrokerLimits(l.maxQueues(), l.maxGroupsPerQueue(), l.maxBatch(),
                l.maxPop(), l.maxWaitMs(), l.maxWaiters(), 2, l.maxBrowse())));
        String q = queueName();
        get(b.putQueue(q, defaults()));

        invalid("ops", () -> b.transact(List.of(pushOp(q, "1"), pushOp(q, "2"), pushOp(q, "3"))));

        assertThat(get(b.getQueue(q)).stats().ready()).isZero();
    }

    @Test
    void shouldWakeWaitingPopWhenTransactionPushes() {
        String q = createQueue();
        CompletableFuture<List<Delivery>> waiting = broker().pop(q,
                new PopRequest(Broker.DEFAULT_GROUP, 1, LONG_LEASE_MS, u(50))).toCompletableFuture();
        long start = System.nanoTime();

        TxResult r = transact(pushOp(q, "tx"));

        assertThat(ids(get(waiting))).containsExactly(r.pushedIds().get(0)[0]);
        assertThat(elapsedMs(start)).isLessThan(u(25));
    }

    @Test
    void shouldLetOnlyOneOfTwoTransactionsConsumeTheSameDelivery() {
        String in = createQueue();
        String out = createQueue();
        push(in, "input");
        Delivery d = popOne(in);

        CompletableFuture<TxResult> t1 = broker().transact(List.of(ackOp(in, d), pushOp(out, "one")))
                .toCompletableFuture();
        CompletableFuture<TxResult> t2 = broker().transact(List.of(ackOp(in, d), pushOp(out, "two")))
                .toCompletableFuture();

        long committed = Stream.of(t1, t2).filter(t -> {
            try {
                get(t);
                return true;
            } catch (SpoolException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.STALE_RECEIPT);
                return false;
            }
        }).count();
        assertThat(committed).isEqualTo(1);
        assertThat(stats(out).ready()).isEqualTo(1);
    }

    @Test
    void shouldRejectInvalidNackDelayNamingOpAndField() {
        String q = createQueue();
        push(q, "job");
        Delivery d = popOne(q);

        SpoolException e = txFailure(ErrorCode.INVALID_ARGUMENT, 0, new TxOp.Nack(q, new NackRequest(
                Broker.DEFAULT_GROUP, Receipts.of(List.of(d)), OptionalLong.of(-1), Optional.empty())));

        assertThat(e.field()).hasValueSatisfying(f -> assertThat(f).endsWith("delay_ms"));
        assertThat(view(q, d.id()).state()).isEqualTo(MessageState.IN_FLIGHT);
    }
}
