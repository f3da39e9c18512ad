package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.BrokerLimits;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;

/** Pushing and popping: batches, validation, payload round trips and visibility. */
abstract class PushPopContract extends ContractSupport {
    static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    PushPopContract(BrokerContractTest suite) {
        super(suite);
    }

    @Test
    void shouldReturnIncreasingIdsInRequestOrderWhenPushingBatch() {
        String q = createQueue();

        long[] ids = get(broker().push(q, List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"),
                NewMessage.ofUtf8("c"))));

        assertThat(ids).hasSize(3);
        assertThat(ids[0]).isLessThan(ids[1]);
        assertThat(ids[1]).isLessThan(ids[2]);
        List<Delivery> ds = pop(q, 10);
        assertThat(ids(ds)).containsExactly(ids[0], ids[1], ids[2]);
        assertThat(texts(ds)).containsExactly("a", "b", "c");
    }

    @Test
    void shouldGiveLaterPushGreaterIdWhenPushedSeparately() {
        String q = createQueue();

        long first = push(q, "a");
        long second = push(q, "b");

        assertThat(second).isGreaterThan(first);
    }

    @Test
    void shouldDeliverHeadersContentTypeKeyPriorityAndTraceparentUnchanged() {
        String q = createQueue();
        NewMessage m = NewMessage.builder("{\"n\":1}").contentType(MessageBody.JSON)
                .header("tenant", "acme").header("x.y_z-1", "v w = \u00e9").key("order-42").priority(7)
                .traceparent(TRACEPARENT).build();
        push(q, m);

        MessageBody b = popOne(q).body();

        assertThat(b.payload().asUtf8()).isEqualTo("{\"n\":1}");
        assertThat(b.contentType()).isEqualTo(MessageBody.JSON);
        assertThat(b.headers()).isEqualTo(Map.of("tenant", "acme", "x.y_z-1", "v w = \u00e9"));
        assertThat(b.key()).contains("order-42");
        assertThat(b.priority()).isEqualTo(7);
        assertThat(b.traceparent()).contains(TRACEPARENT);
    }

    @Test
    void shouldDeliverPlainMessageAsOctetStreamWithoutKeyOrHeaders() {
        String q = createQueue();
        push(q, "plain");

        MessageBody b = popOne(q).body();

        assertThat(b.contentType()).isEqualTo(MessageBody.OCTET_STREAM);
        assertThat(b.headers()).isEmpty();
        assertThat(b.key()).isEmpty();
        assertThat(b.priority()).isZero();
        assertThat(b.traceparent()).isEmpty();
    }

    @Test
    void shouldReportIdAttemptsEnqueueTimeAndLeaseOfDelivery() {
        String q = createQueue();
        long before = System.currentTimeMillis();
        long id = push(q, "a");

        Delivery d = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 45_000, 0))).get(0);

        long now = System.currentTimeMillis();
        assertThat(d.id()).isEqualTo(id);
        assertThat(d.attempts()).isEqualTo(1);
        assertThat(d.receipt()).isEqualTo(Receipts.format(id, 1, d.tag()));
        assertThat(d.receipt()).startsWith(MessageIds.format(id) + ".1");
        assertThat(d.enqueuedAt()).isBetween(before - 2_000, now + 2_000);
        assertThat(d.leaseExpiresAt()).isCloseTo(now + 45_000, within(2_000L));
    }

    @Test
    void shouldRoundTripAllByteValuesExactly() {
        String q = createQueue();
        byte[] bytes = new byte[512];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        push(q, NewMessage.of(bytes.clone()));

        assertThat(popOne(q).body().payload().toBytes()).isEqualTo(bytes);
    }

    @Test
    void shouldRoundTripEmptyPayload() {
        String q = createQueue();
        push(q, NewMessage.of(new byte[0]));

        Payload p = popOne(q).body().payload();

        assertThat(p.size()).isZero();
        assertThat(p.toBytes()).isEmpty();
    }

    @Test
    void shouldRoundTripStreamedPayloadByteExact() throws IOException {
        String q = createQueue();
        byte[] bytes = randomBytes(3 * 1024 * 1024 + 17, 1);
        Path file = Files.createTempFile("spool-contract", ".bin");
        try {
            Files.write(file, bytes);
            push(q, new NewMessage(MessageBody.of(Payload.ofFile(file, bytes.length)), 0, 0, 0,
                    Optional.empty()));

            Payload p = popOne(q).body().payload();

            assertThat(p.size()).isEqualTo(bytes.length);
            try (InputStream in = p.openStream()) {
                assertThat(in.readAllBytes()).isEqualTo(bytes);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // A producer may delete its spooled upload once the push is acknowledged: the broker owns a copy.
    @Test
    void shouldKeepStreamedPayloadWhenSourceFileIsDeletedAfterPush() throws IOException {
        String q = createQueue();
        byte[] bytes = randomBytes(256 * 1024, 2);
        Path file = Files.createTempFile("spool-contract", ".bin");
        Files.write(file, bytes);
        push(q, new NewMessage(MessageBody.of(Payload.ofFile(file, bytes.length)), 0, 0, 0,
                Optional.empty()));

        Files.delete(file);

        assertThat(popOne(q).body().payload().toBytes()).isEqualTo(bytes);
    }

    @Test
    void shouldStoreNothingWhenOneMessageOfBatchIsInvalid() {
        String q = createQueue();
        List<NewMessage> batch = List.of(NewMessage.ofUtf8("ok"), NewMessage.builder("bad").priority(10).build(),
                NewMessage.ofUtf8("ok too"));

        invalid("messages[1].priority", () -> broker().push(q, batch));

        assertThat(stats(q).ready()).isZero();
        assertNothingReady(q);
    }

    @Test
    void shouldNameTheFieldOfEachKindOfInvalidMessage() {
        String q = createQueue();
        Map<String, UnaryOperator<NewMessage.Builder>> cases = Map.of(
                "messages[0].delay_ms", b -> b.delayMs(-1),
                "messages[0].ttl_ms", b -> b.ttlMs(-1),
                "messages[0].not_before", b -> b.notBeforeMs(-5),
                "messages[0].traceparent", b -> b.traceparent("not-a-traceparent"),
                "messages[0].headers", b -> b.header("bad name", "v"),
                "messages[0].key", b -> b.key(""),
                "messages[0].content_type", b -> b.contentType(""),
                "messages[0].dedup_id", b -> b.dedupId("x".repeat(257)));

        cases.forEach((field, change) -> invalid(field,
                () -> broker().push(q, List.of(change.apply(NewMessage.builder("m")).build()))));

        assertThat(stats(q).ready()).isZero();
    }

    @Test
    void shouldRejectEmptyBatchNamingMessages() {
        String q = createQueue();

        invalid("messages", () -> broker().push(q, List.of()));
    }

    @Test
    void shouldRejectBatchLargerThanMaxBatchNamingMessages() {
        BrokerLimits l = BrokerLimits.DEFAULTS;
        Broker b = open(settings().withLimits(new BrokerLimits(l.maxQueues(), l.maxGroupsPerQueue(), 3, l.maxPop(),
                l.maxWaitMs(), l.maxWaiters(), l.maxTxOps(), l.maxBrowse())));
        String q = queueName();
        List<NewMessage> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(NewMessage.ofUtf8("m" + i));
        }

        invalid("messages", () -> b.push(q, four));

        assertThat(get(b.push(q, four.subList(0, 3)))).hasSize(3);
    }

    @Test
    void shouldRejectPayloadLargerThanMaxMessageBytesAndStoreNothing() {
        String q = createQueue(defaults().withMaxMessageBytes(1_024));

        failure(ErrorCode.PAYLOAD_TOO_LARGE,
                () -> broker().push(q, List.of(NewMessage.of(new byte[10]), NewMessage.of(new byte[1_025]))));

        assertThat(stats(q).ready()).isZero();
    }

    @Test
    void shouldAcceptPayloadOfExactlyMaxMessageBytes() {
        String q = createQueue(defaults().withMaxMessageBytes(1_024));

        push(q, NewMessage.of(new byte[1_024]));

        assertThat(popOne(q).body().payload().size()).isEqualTo(1_024);
    }

    @Test
    void shouldRejectStreamedPayloadLargerThanMaxMessageBytes() throws IOException {
        String q = createQueue(defaults().withMaxMessageBytes(1_000));
        Path file = Files.createTempFile("spool-contract", ".bin");
        try {
            Files.write(file, new byte[1_001]);
            NewMessage m = new NewMessage(MessageBody.of(Payload.ofFile(file, 1_001)), 0, 0, 0,
                    Optional.empty());

            failure(ErrorCode.PAYLOAD_TOO_LARGE, () -> broker().push(q, List.of(m)));

            assertThat(stats(q).ready()).isZero();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldPopAtMostMaxMessagesInPushOrder() {
        String q = createQueue();
        pushEach(q, "a", "b", "c", "d", "e");

        assertThat(texts(pop(q, 3))).containsExactly("a", "b", "c");
        assertThat(texts(pop(q, 3))).containsExactly("d", "e");
        assertThat(pop(q, 3)).isEmpty();
    }

    @Test
    void shouldHideLeasedMessageFromLaterPops() {
        String q = createQueue();
        push(q, "a");
        popOne(q);

        assertNothingReady(q);
        assertThat(stats(q).inFlight()).isEqualTo(1);
        assertThat(stats(q).ready()).isZero();
    }

    @Test
    void shouldLeaseForQueueVisibilityTimeoutWhenPopNamesNone() {
        String q = createQueue(defaults().withVisibilityTimeoutMs(60_000));
        push(q, "a");

        Delivery d = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, 0))).get(0);

        assertThat(d.leaseExpiresAt()).isCloseTo(System.currentTimeMillis() + 60_000, within(2_000L));
    }

    @Test
    void shouldLeaseForPopVisibilityWhenGiven() {
        String q = createQueue(defaults().withVisibilityTimeoutMs(60_000));
        push(q, "a");

        Delivery d = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 20_000, 0))).get(0);

        assertThat(d.leaseExpiresAt()).isCloseTo(System.currentTimeMillis() + 20_000, within(2_000L));
    }

    @Test
    void shouldLeaveTheMessageReadyWhenAWaitingPopWasCancelled() {
        String q = createQueue();
        CompletableFuture<List<Delivery>> gone = broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 600_000,
                Math.min(u(50), settings().limits().maxWaitMs()))).toCompletableFuture();
        gone.cancel(false);
        push(q, "a");

        // without the withdrawal the cancelled pop leases "a" for ten minutes and this pop gets nothing
        List<Delivery> ds = get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 600_000,
                Math.min(u(50), settings().limits().maxWaitMs()))));

        assertThat(ds).extracting(ContractSupport::text).containsExactly("a");
        assertThat(gone).isCancelled();
    }

    @Test
    void shouldReturnEmptyAtOnceWhenNothingIsReadyAndWaitIsZero() {
        String q = createQueue();
        long start = System.nanoTime();

        List<Delivery> ds = get(broker().pop(q, PopRequest.of(5)));

        assertThat(ds).isEmpty();
        assertThat(elapsedMs(start)).isLessThan(Math.max(1_000, u(5)));
    }

    @Test
    void shouldRejectPopMaxOutsideLimitsNamingMax() {
        String q = createQueue();
        int maxPop = settings().limits().maxPop();

        invalid("max", () -> broker().pop(q, PopRequest.of(0)));
        invalid("max", () -> broker().pop(q, PopRequest.of(maxPop + 1)));
    }

    @Test
    void shouldRejectWaitLongerThanMaxWaitNamingWaitMs() {
        String q = createQueue();
        long maxWait = settings().limits().maxWaitMs();

        invalid("wait_ms", () -> broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, maxWait + 1)));
    }

    @Test
    void shouldFailPopOfUnknownGroupWithGroupNotFound() {
        String q = createQueue();
        push(q, "a");

        failure(ErrorCode.GROUP_NOT_FOUND, () -> broker().pop(q, new PopRequest("nope", 1, 0, 0)));

        assertThat(stats(q).ready()).isEqualTo(1);
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
