package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.RetryBackoff;
import dev.spool.api.StartPosition;

/** Queue administration: create, reconfigure, get, list, delete, purge, stats and auto-create. */
abstract class QueueContract extends ContractSupport {

    QueueContract(BrokerContractTest suite) {
        super(suite);
    }

    @Test
    void shouldReturnConfigAndEmptyStatsWhenQueueIsCreated() {
        String q = queueName();
        QueueConfig c = defaults().withVisibilityTimeoutMs(12_345).withMaxAttempts(3).withRetentionMs(777);
        long now = System.currentTimeMillis();

        QueueInfo created = get(broker().putQueue(q, c));

        assertThat(created.name()).isEqualTo(q);
        assertThat(created.config()).isEqualTo(c);
        assertThat(created.stats()).isEqualTo(QueueStats.EMPTY);
        assertThat(created.groups()).isEmpty();
        assertThat(created.createdAt()).isCloseTo(now, within(5_000L));
        assertThat(get(broker().getQueue(q))).isEqualTo(created);
    }

    @Test
    void shouldKeepMessagesAndApplyNewConfigWhenQueueIsReconfigured() {
        String q = createQueue(defaults().withVisibilityTimeoutMs(30_000));
        pushEach(q, "a", "b");

        QueueInfo updated = get(broker().putQueue(q, defaults().withVisibilityTimeoutMs(7_000)));
        long now = System.currentTimeMillis();
        Delivery d = get(broker().pop(q, PopRequest.of(1))).get(0);

        assertThat(updated.config().visibilityTimeoutMs()).isEqualTo(7_000);
        assertThat(updated.stats().ready()).isEqualTo(2);
        assertThat(text(d)).isEqualTo("a");
        assertThat(d.leaseExpiresAt()).isCloseTo(now + 7_000, within(2_000L));
    }

    @Test
    void shouldKeepOldConfigWhenReconfigurationIsInvalid() {
        QueueConfig good = defaults().withMaxAttempts(4);
        String q = createQueue(good);

        invalid("visibility_timeout_ms", () -> broker().putQueue(q, good.withVisibilityTimeoutMs(0)));

        assertThat(get(broker().getQueue(q)).config()).isEqualTo(good);
    }

    @Test
    void shouldKeepReplaceAndForgetAttributesWithTheQueue() {
        QueueConfig tagged = defaults().withAttributes(java.util.Map.of("team", "billing", "sqs.delay", "5"));
        String q = createQueue(tagged);
        assertThat(get(broker().getQueue(q)).config().attributes())
                .containsExactly(java.util.Map.entry("sqs.delay", "5"), java.util.Map.entry("team", "billing"));

        get(broker().putQueue(q, tagged.withAttributes(java.util.Map.of("team", "payments"))));
        assertThat(get(broker().getQueue(q)).config().attributes()).containsExactly(java.util.Map.entry("team", "payments"));
        assertThat(get(broker().listQueues())).filteredOn(i -> i.name().equals(q))
                .extracting(i -> i.config().attributes()).containsExactly(java.util.Map.of("team", "payments"));

        get(broker().deleteQueue(q));
        assertThat(get(broker().putQueue(q, defaults())).config().attributes()).as("a new incarnation").isEmpty();
    }

    @Test
    void shouldRefuseBadAttributesAndKeepTheOldOnes() {
        QueueConfig tagged = defaults().withAttributes(java.util.Map.of("team", "billing"));
        String q = createQueue(tagged);

        invalid("attributes", () -> broker().putQueue(q, tagged.withAttributes(java.util.Map.of("bad key", "x"))));
        java.util.Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i <= QueueConfig.MAX_ATTRIBUTES; i++) {
            many.put("k" + i, "v");
        }
        invalid("attributes", () -> broker().putQueue(q, tagged.withAttributes(many)));
        invalid("attributes", () -> broker().putQueue(q, tagged.withAttributes(
                java.util.Map.of("big", "x".repeat(QueueConfig.MAX_ATTRIBUTE_BYTES)))));

        assertThat(get(broker().getQueue(q)).config()).isEqualTo(tagged);
    }

    @Test
    void shouldFailWithQueueNotFoundWhenGettingMissingQueue() {
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(queueName()));
    }

    // Name order is the order of the names' characters (code points), as Java's String.compareTo
    // and a C collation give: '-' < '.' < 'X' < '_' < 'x'.
    @Test
    void shouldListQueuesInCodePointOrderOfTheirNames() {
        String p = queueName();
        for (String s : List.of("_x", "x", "X", ".x", "-x")) {
            get(broker().putQueue(p + s, defaults()));
        }

        List<String> names = get(broker().listQueues()).stream().map(QueueInfo::name).toList();

        assertThat(names.stream().filter(n -> n.startsWith(p)).toList())
                .containsExactly(p + "-x", p + ".x", p + "X", p + "_x", p + "x");
        assertThat(names).isSorted();
    }

    @Test
    void shouldReportConfigAndStatsOfEachQueueWhenListing() {
        QueueConfig c = defaults().withMaxAttempts(9);
        String q = createQueue(c);
        pushEach(q, "a", "b");

        QueueInfo listed = get(broker().listQueues()).stream().filter(i -> i.name().equals(q)).findFirst()
                .orElseThrow();

        assertThat(listed.config()).isEqualTo(c);
        assertThat(listed.stats().ready()).isEqualTo(2);
    }

    @Test
    void shouldForgetMessagesAndGroupsWhenQueueIsDeleted() {
        String q = createQueue();
        pushEach(q, "a", "b");
        get(broker().putGroup(q, "g", new GroupSpec(StartPosition.EARLIEST)));

        get(broker().deleteQueue(q));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(q));
        assertThat(get(broker().listQueues())).extracting(QueueInfo::name).doesNotContain(q);
        push(q, "c");
        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(get(broker().listGroups(q))).extracting(GroupInfo::name).containsExactly(Broker.DEFAULT_GROUP);
        assertThat(text(popOne(q))).isEqualTo("c");
    }

    @Test
    void shouldFailWithQueueNotFoundWhenDeletingMissingQueue() {
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().deleteQueue(queueName()));
    }

    @Test
    void shouldDropMessagesOfEveryGroupAndCountThemWhenPurged() {
        String q = createQueue();
        pushEach(q, "a", "b", "c");
        get(broker().putGroup(q, "g", new GroupSpec(StartPosition.EARLIEST)));
        Delivery leased = popOne(q);
        popOne(q, "g");

        long purged = get(broker().purgeQueue(q));

        assertThat(purged).isEqualTo(3);
        assertThat(stats(q)).isEqualTo(QueueStats.EMPTY);
        assertThat(stats(q, "g")).isEqualTo(QueueStats.EMPTY);
        assertThat(ack(q, leased)).isEqualTo(outcomes(ReceiptOutcome.NOT_FOUND));
        assertThat(get(broker().getQueue(q)).groups()).extracting(GroupInfo::name).containsExactly("g");
        assertNothingReady(q);
    }

    @Test
    void shouldReturnZeroWhenPurgingEmptyQueue() {
        String q = createQueue();

        assertThat(get(broker().purgeQueue(q))).isZero();
    }

    @Test
    void shouldFailWithQueueNotFoundWhenPurgingMissingQueue() {
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().purgeQueue(queueName()));
    }

    @Test
    void shouldCountReadyDelayedAndInFlightMessages() {
        String q = createQueue();
        pushEach(q, "a", "b");
        push(q, NewMessage.builder("later").delayMs(LONG_LEASE_MS).build());
        popOne(q);

        QueueStats s = stats(q);
        assertThat(List.of(s.ready(), s.delayed(), s.inFlight(), s.dead())).containsExactly(1L, 1L, 1L, 0L);
    }

    @Test
    void shouldReportAgeOfOldestReadyMessage() {
        String q = createQueue();
        assertThat(stats(q).oldestReadyAgeMs()).isZero();
        long start = System.nanoTime();
        push(q, "old");
        eventually().until(() -> stats(q).oldestReadyAgeMs() >= u(2));
        push(q, "young");

        long age = stats(q).oldestReadyAgeMs();

        assertThat(age).isBetween(u(2), elapsedMs(start) + 1_000);
        pop(q, 2);
        assertThat(stats(q).oldestReadyAgeMs()).isZero();
    }

    @Test
    void shouldCreateQueueWithDefaultSettingsOnFirstPushWhenAutoCreateIsOn() {
        QueueConfig defaults = defaults().withVisibilityTimeoutMs(4_321).withMaxAttempts(2);
        Broker b = open(settings().withAutoCreateQueues(true).withQueueDefaults(defaults));
        String q = queueName();

        get(b.push(q, List.of(NewMessage.ofUtf8("a"))));

        QueueInfo info = get(b.getQueue(q));
        assertThat(info.config()).isEqualTo(defaults);
        assertThat(info.stats().ready()).isEqualTo(1);
    }

    // Auto-create applies to pushes only: a consumer of a mistyped name must hear so at once, not
    // wait forever on a new empty queue.
    @Test
    void shouldFailPopWithQueueNotFoundAndCreateNothingWhenAutoCreateIsOn() {
        String q = queueName();

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().pop(q, PopRequest.of(1)));
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, 0, 60_000)));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(q));
    }

    @Test
    void shouldFailPushWithQueueNotFoundWhenAutoCreateIsOff() {
        Broker b = open(settings().withAutoCreateQueues(false));
        String q = queueName();

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> b.push(q, List.of(NewMessage.ofUtf8("a"))));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> b.getQueue(q));
    }

    @Test
    void shouldFailPopWithQueueNotFoundWhenAutoCreateIsOff() {
        Broker b = open(settings().withAutoCreateQueues(false));
        String q = queueName();

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> b.pop(q, PopRequest.of(1)));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> b.getQueue(q));
    }

    @Test
    void shouldFailAckWithQueueNotFoundAndNotCreateQueueWhenQueueIsMissing() {
        String q = queueName();

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().ack(q, AckRequest.of(Receipts.of(1, 1))));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(q));
    }

    @Test
    void shouldRejectInvalidQueueNamesNamingTheQueueField() {
        String tooLong = "q".repeat(129);
        for (String bad : List.of("", "has space", "slash/x", "caf\u00e9", tooLong)) {
            invalid("queue", () -> broker().putQueue(bad, defaults()));
            invalid("queue", () -> broker().push(bad, List.of(NewMessage.ofUtf8("a"))));
        }
    }

    @Test
    void shouldAcceptQueueNameOf128Characters() {
        String base = queueName();
        String q = base + "x".repeat(128 - base.length());

        QueueInfo info = get(broker().putQueue(q, defaults()));

        assertThat(info.name()).hasSize(128).isEqualTo(q);
    }

    @Test
    void shouldRejectInvalidConfigNamingTheFieldAndCreateNothing() {
        String q = queueName();

        invalid("visibility_timeout_ms", () -> broker().putQueue(q, defaults().withVisibilityTimeoutMs(0)));
        invalid("max_attempts", () -> broker().putQueue(q, defaults().withMaxAttempts(-1)));
        invalid("retry_backoff.max_ms",
                () -> broker().putQueue(q, defaults().withRetryBackoff(new RetryBackoff(1_000, 10, 2, false))));
        invalid("dead_letter_queue", () -> broker().putQueue(q, defaults().withDeadLetterQueue(Optional.of("a b"))));

        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(q));
    }

    @Test
    void shouldRejectEncryptedQueueWhenTheBrokerHasNoKeyring() {
        String q = queueName();
        org.junit.jupiter.api.Assumptions.assumeTrue(broker().settings().atRest().keyring().isEmpty(),
                "this backend runs with an encryption keyring");

        var e = failure(ErrorCode.INVALID_ARGUMENT, () -> broker().putQueue(q, defaults().withEncrypted(true)));

        assertThat(e.field()).contains("encrypted");
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(q));
    }
}
