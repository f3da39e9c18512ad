package dev.spool.testkit;

import static dev.spool.api.ReceiptOutcome.NOT_FOUND;
import static dev.spool.api.ReceiptOutcome.OK;
import static dev.spool.api.ReceiptOutcome.STALE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueStats;
import dev.spool.api.Receipts;
import dev.spool.api.RetryBackoff;

/** Leases: ack, nack and extend outcomes, expiry and redelivery, fencing, backoff. */
abstract class LeaseContract extends ContractSupport {
    /** An id no test ever pushes. */
    static final long UNKNOWN_ID = 0x7ABC_DEF0_1234_5678L;

    LeaseContract(BrokerContractTest suite) {
        super(suite);
    }

    private Delivery popWithLease(String q, long leaseMs) {
        List<Delivery> ds = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, leaseMs, 0)));
        assertThat(ds).hasSize(1);
        return ds.get(0);
    }

    private void awaitPastDeadline(Delivery d) {
        eventually().until(() -> System.currentTimeMillis() > d.leaseExpiresAt() + u(1));
    }

    @Test
    void shouldForgetMessageWhenAckedWithoutRetentionOrResult() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery d = popOne(q);

        assertThat(ack(q, d)).isEqualTo(outcomes(OK));

        assertThat(stats(q)).isEqualTo(QueueStats.EMPTY);
        assertNothingReady(q);
        failure(ErrorCode.MESSAGE_NOT_FOUND, () -> broker().getMessage(q, id, MessageQuery.NOW));
    }

    @Test
    void shouldRedeliverSameMessageWithAttemptsIncrementedWhenLeaseExpires() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery first = popWithLease(q, u(2));

        Delivery second = awaitPop(q);

        assertThat(first.attempts()).isEqualTo(1);
        assertThat(second.id()).isEqualTo(id);
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(Receipts.parse(List.of(second.receipt()), "receipt").fence(0)).isEqualTo(2);
        assertThat(text(second)).isEqualTo("a");
    }

    @Test
    void shouldKeepTheFirstDeliveryTimeAcrossRedeliveries() {
        assumeFirstDeliveryKnown();
        String q = createQueue();
        push(q, "a");
        long before = System.currentTimeMillis();
        Delivery first = popWithLease(q, u(2));
        long after = System.currentTimeMillis();

        Delivery second = awaitPop(q);

        // both clocks are the backend's (the database's for PostgreSQL): allow a little skew
        assertThat(first.firstDeliveredAt()).isBetween(before - 1_000, after + 1_000);
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(second.firstDeliveredAt()).isEqualTo(first.firstDeliveredAt());
    }

    @Test
    void shouldMakeMessageReadyWithoutBackoffWhenLeaseExpires() {
        String q = createQueue(defaults().withRetryBackoff(new RetryBackoff(600_000, 600_000, 1.0, false)));
        long id = push(q, "a");
        popWithLease(q, u(2));

        eventually().until(() -> view(q, id).state() != MessageState.IN_FLIGHT);

        assertThat(view(q, id).state()).isEqualTo(MessageState.READY);
        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(view(q, id).attempts()).isEqualTo(1);
    }

    @Test
    void shouldReportStaleForPreviousDeliveryAfterRedelivery() {
        String q = createQueue();
        push(q, "a");
        Delivery first = popWithLease(q, u(2));
        Delivery second = awaitPop(q);

        assertThat(ack(q, first)).isEqualTo(outcomes(STALE));
        assertThat(ack(q, second)).isEqualTo(outcomes(OK));
    }

    // The deadline is checked when the ack arrives, not only when a timer has fired.
    @Test
    void shouldReportStaleWhenLeaseDeadlinePassedEvenBeforeRedelivery() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery d = popWithLease(q, u(2));
        awaitPastDeadline(d);

        assertThat(ack(q, d)).isEqualTo(outcomes(STALE));

        Delivery again = awaitPop(q);
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.attempts()).isEqualTo(2);
    }

    @Test
    void shouldReportStaleWhenAckingAgainWhileMessageIsRetained() {
        String q = createQueue(defaults().withRetentionMs(600_000));
        push(q, "a");
        Delivery d = popOne(q);

        assertThat(ack(q, d)).isEqualTo(outcomes(OK));
        assertThat(ack(q, d)).isEqualTo(outcomes(STALE));
    }

    @Test
    void shouldReportNotFoundWhenAckingAgainAfterMessageWasForgotten() {
        String q = createQueue(defaults().withRetentionMs(0));
        push(q, "a");
        Delivery d = popOne(q);

        assertThat(ack(q, d)).isEqualTo(outcomes(OK));
        assertThat(ack(q, d)).isEqualTo(outcomes(NOT_FOUND));
    }

    @Test
    void shouldReportNotFoundForMessageThatNeverExisted() {
        String q = createQueue();

        assertThat(get(broker().ack(q, AckRequest.of(Receipts.of(UNKNOWN_ID, 1))))).isEqualTo(outcomes(NOT_FOUND));
        assertThat(get(broker().nack(q, NackRequest.of(Receipts.of(UNKNOWN_ID, 1))))).isEqualTo(outcomes(NOT_FOUND));
    }

    @Test
    void shouldReportNotFoundForReceiptWithForgedTag() {
        assumeSignedReceipts();
        String q = createQueue();
        push(q, "a");
        Delivery d = popOne(q);
        Delivery forged = new Delivery(d.id(), d.attempts(), d.enqueuedAt(), d.leaseExpiresAt(), d.body(),
                d.tag() ^ 1);
        Delivery untagged = new Delivery(d.id(), d.attempts(), d.enqueuedAt(), d.leaseExpiresAt(), d.body());

        assertThat(ack(q, forged, untagged)).isEqualTo(outcomes(NOT_FOUND, NOT_FOUND));
        assertThat(nack(q, 0, forged)).isEqualTo(outcomes(NOT_FOUND));
        assertThat(extend(q, LONG_LEASE_MS, forged)).isEqualTo(outcomes(NOT_FOUND));

        assertThat(stats(q).inFlight()).isEqualTo(1);
        assertThat(ack(q, d)).isEqualTo(outcomes(OK));
    }

    @Test
    void shouldReportOutcomeOfEachReceiptInRequestOrder() {
        String q = createQueue(defaults().withMaxAttempts(0));
        pushEach(q, "stale", "good");
        Delivery old = popWithLease(q, LONG_LEASE_MS);
        nack(q, LONG_LEASE_MS, old);
        Delivery good = popOne(q);
        Receipts mixed = Receipts.parse(List.of(good.receipt(), old.receipt(), Receipts.format(UNKNOWN_ID, 1)),
                "receipts");

        assertThat(get(broker().ack(q, AckRequest.of(mixed)))).isEqualTo(outcomes(OK, STALE, NOT_FOUND));

        assertThat(stats(q).inFlight()).isZero();
        assertThat(stats(q).delayed()).isEqualTo(1);
    }

    @Test
    void shouldAckUnawaitedWithTheOutcomesOfAnAck() {
        String q = createQueue(defaults().withMaxAttempts(0));
        pushEach(q, "stale", "good");
        Delivery old = popWithLease(q, LONG_LEASE_MS);
        nack(q, LONG_LEASE_MS, old);
        Delivery good = popOne(q);
        Receipts mixed = Receipts.parse(List.of(good.receipt(), old.receipt()), "receipts");

        assertThat(get(broker().ackUnawaited(q, AckRequest.of(mixed)))).isEqualTo(outcomes(OK, STALE));

        assertThat(stats(q).inFlight()).isZero();
        assertThat(stats(q).delayed()).isEqualTo(1);
    }

    @Test
    void shouldKeepMessageInvisiblePastOriginalLeaseWhenExtended() {
        String q = createQueue();
        push(q, "a");
        Delivery d = popWithLease(q, u(10));

        assertThat(extend(q, u(100), d)).isEqualTo(outcomes(OK));

        long waitPastOriginal = Math.max(0, d.leaseExpiresAt() + u(2) - System.currentTimeMillis());
        assertThat(get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, waitPastOriginal)))).isEmpty();
        assertThat(ack(q, d)).isEqualTo(outcomes(OK));
    }

    @Test
    void shouldEndExtendedLeaseVisibilityAfterNow() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery d = popWithLease(q, 5_000);

        extend(q, 50_000, d);

        MessageView v = view(q, id);
        assertThat(v.state()).isEqualTo(MessageState.IN_FLIGHT);
        assertThat(v.availableAt()).isCloseTo(System.currentTimeMillis() + 50_000, within(2_000L));
        assertThat(v.attempts()).isEqualTo(1);
    }

    @Test
    void shouldExtendByQueueVisibilityWhenExtendingWithZero() {
        String q = createQueue(defaults().withVisibilityTimeoutMs(40_000));
        long id = push(q, "a");
        Delivery d = popWithLease(q, 5_000);

        extend(q, 0, d);

        assertThat(view(q, id).availableAt()).isCloseTo(System.currentTimeMillis() + 40_000, within(2_000L));
    }

    @Test
    void shouldReportStaleWhenExtendingEndedLease() {
        String q = createQueue();
        push(q, "a");
        Delivery d = popWithLease(q, u(1));
        awaitPastDeadline(d);

        assertThat(extend(q, u(100), d)).isEqualTo(outcomes(STALE));

        assertThat(awaitPop(q).attempts()).isEqualTo(2);
    }

    @Test
    void shouldMakeMessageReadyAtOnceWhenNackedWithZeroDelay() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery d = popOne(q);

        assertThat(nack(q, 0, d)).isEqualTo(outcomes(OK));

        Delivery again = popOne(q);
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.attempts()).isEqualTo(2);
    }

    @Test
    void shouldHoldNackedMessageUntilItsDelayPassed() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery d = popOne(q);

        nack(q, u(10), d);
        long nackedAt = System.currentTimeMillis();

        MessageView v = view(q, id);
        assertThat(v.state()).isEqualTo(MessageState.DELAYED);
        assertThat(v.availableAt()).isCloseTo(nackedAt + u(10), within(Math.max(1_000, u(5))));
        assertThat(stats(q).delayed()).isEqualTo(1);
        Delivery again = awaitPop(q);
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(v.availableAt());
        assertThat(again.attempts()).isEqualTo(2);
    }

    @Test
    void shouldDelayNackWithoutDelayByQueueRetryBackoff() {
        String q = createQueue(defaults().withRetryBackoff(new RetryBackoff(60_000, 60_000, 1.0, false)));
        long id = push(q, "a");
        Delivery d = popOne(q);

        get(broker().nack(q, NackRequest.of(Receipts.of(List.of(d)))));

        MessageView v = view(q, id);
        assertThat(v.state()).isEqualTo(MessageState.DELAYED);
        assertThat(v.availableAt()).isCloseTo(System.currentTimeMillis() + 60_000, within(2_000L));
    }

    @Test
    void shouldGrowRetryBackoffWithAttempts() {
        String q = createQueue(defaults().withMaxAttempts(0)
                .withRetryBackoff(new RetryBackoff(u(1), 3_600_000, 100.0, false)));
        long id = push(q, "a");
        get(broker().nack(q, NackRequest.of(Receipts.of(List.of(popOne(q))))));
        Delivery second = awaitPop(q);

        get(broker().nack(q, NackRequest.of(Receipts.of(List.of(second)))));

        long delay = view(q, id).availableAt() - System.currentTimeMillis();
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(delay).isBetween(u(100) - 2_000, u(100) + 1_000);
    }

    @Test
    void shouldDrawJitteredBackoffBetweenZeroAndComputedDelay() {
        String q = createQueue(defaults().withRetryBackoff(new RetryBackoff(60_000, 60_000, 1.0, true)));
        long id = push(q, "a");
        long before = System.currentTimeMillis();

        get(broker().nack(q, NackRequest.of(Receipts.of(List.of(popOne(q))))));

        assertThat(view(q, id).availableAt()).isBetween(before - 1_000, System.currentTimeMillis() + 60_000);
    }

    @Test
    void shouldKeepNackReasonAsLastError() {
        String q = createQueue();
        long id = push(q, "a");

        nack(q, Broker.DEFAULT_GROUP, LONG_LEASE_MS, "db timeout", popOne(q));

        assertThat(view(q, id).lastError()).contains("db timeout");
    }

    @Test
    void shouldRecordLastErrorWhenLeaseExpires() {
        String q = createQueue();
        long id = push(q, "a");
        popWithLease(q, u(1));
        awaitPop(q);

        assertThat(view(q, id).lastError()).hasValueSatisfying(e -> assertThat(e).isNotBlank());
    }

    @Test
    void shouldReportStaleAndChangeNothingWhenNackingPreviousDelivery() {
        String q = createQueue();
        long id = push(q, "a");
        Delivery first = popWithLease(q, u(1));
        Delivery second = awaitPop(q);

        assertThat(nack(q, 0, first)).isEqualTo(outcomes(STALE));

        assertThat(view(q, id).state()).isEqualTo(MessageState.IN_FLIGHT);
        assertThat(ack(q, second)).isEqualTo(outcomes(OK));
    }

    @Test
    void shouldRejectEmptyReceiptListNamingReceipts() {
        String q = createQueue();

        invalid("receipts", () -> broker().ack(q, AckRequest.of(Receipts.empty())));
        invalid("receipts", () -> broker().nack(q, NackRequest.of(Receipts.empty())));
    }

    @Test
    void shouldRejectNackDelayOutOfRangeNamingDelayMs() {
        String q = createQueue();
        push(q, "a");
        Delivery d = popOne(q);

        invalid("delay_ms", () -> broker().nack(q, new NackRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)),
                OptionalLong.of(-1), Optional.empty())));

        assertThat(view(q, d.id()).state()).isEqualTo(MessageState.IN_FLIGHT);
    }

    @Test
    void shouldFailAckInUnknownGroupWithGroupNotFound() {
        String q = createQueue();
        push(q, "a");
        Delivery d = popOne(q);

        failure(ErrorCode.GROUP_NOT_FOUND,
                () -> broker().ack(q, new AckRequest("nope", Receipts.of(List.of(d)), Optional.empty())));

        assertThat(ack(q, d)).isEqualTo(outcomes(OK));
    }
}
