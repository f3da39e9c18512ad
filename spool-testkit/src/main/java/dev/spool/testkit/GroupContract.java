package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.Names;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueStats;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.RedriveRequest;
import dev.spool.api.StartPosition;

/**
 * Named groups: each sees every message pushed after its start and keeps its own leases, attempts,
 * acks and dead letters; a message is deleted once every group finished it and retention passed.
 */
abstract class GroupContract extends ContractSupport {
    private static final String DEFAULT = Broker.DEFAULT_GROUP;

    GroupContract(BrokerContractTest suite) {
        super(suite);
    }

    private GroupInfo putGroup(String q, String g, StartPosition start) {
        return get(broker().putGroup(q, g, new GroupSpec(start)));
    }

    @Test
    void shouldHaveDefaultGroupOnEveryQueue() {
        String q = createQueue();

        List<GroupInfo> groups = get(broker().listGroups(q));

        assertThat(groups).extracting(GroupInfo::name).containsExactly(DEFAULT);
        assertThat(get(broker().getGroup(q, DEFAULT)).stats()).isEqualTo(QueueStats.EMPTY);
    }

    @Test
    void shouldAnswerAPutOfTheDefaultGroupLikeAPutOfAnExistingGroup() {
        String q = createQueue();
        push(q, "a");
        GroupInfo before = get(broker().getGroup(q, DEFAULT));

        GroupInfo again = get(broker().putGroup(q, DEFAULT, new GroupSpec(StartPosition.EARLIEST)));

        assertThat(again.name()).isEqualTo(DEFAULT);
        assertThat(again.start()).isEqualTo(StartPosition.EARLIEST);
        assertThat(again.createdAt()).isEqualTo(before.createdAt());
        assertThat(again.stats().ready()).isEqualTo(1);
        failure(ErrorCode.CONFLICT, () -> broker().putGroup(q, DEFAULT, new GroupSpec(StartPosition.LATEST)));
        assertThat(get(broker().listGroups(q))).extracting(GroupInfo::name).containsExactly(DEFAULT);
        assertThat(get(broker().getQueue(q)).groups()).isEmpty();
    }

    @Test
    void shouldMakeTheDefaultGroupAPushGroupAndBackWithoutTouchingItsMessages() {
        String q = createQueue();
        push(q, "a");
        String config = "{\"url\":\"http://127.0.0.1:9/d\"}";

        GroupInfo made = get(broker().putGroup(q, DEFAULT, new GroupSpec(StartPosition.EARLIEST, Optional.of(config))));

        assertThat(made.push()).contains(config);
        assertThat(made.stats().ready()).isEqualTo(1);
        assertThat(get(broker().getGroup(q, DEFAULT)).push()).contains(config);
        assertThat(get(broker().listGroups(q))).extracting(GroupInfo::name, GroupInfo::push)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(DEFAULT, Optional.of(config)));
        assertThat(get(broker().getQueue(q)).push()).contains(config);
        assertThat(get(broker().getQueue(q)).groups()).isEmpty();
        assertThat(get(broker().listQueues())).filteredOn(i -> i.name().equals(q))
                .extracting(dev.spool.api.QueueInfo::push).containsExactly(Optional.of(config));
        failure(ErrorCode.CONFLICT, () -> broker().putGroup(q, DEFAULT, new GroupSpec(StartPosition.LATEST,
                Optional.of("{}"))));
        assertThat(get(broker().getGroup(q, DEFAULT)).push()).contains(config);
        invalid("group", () -> broker().deleteGroup(q, DEFAULT));

        assertThat(get(broker().putGroup(q, DEFAULT, new GroupSpec(StartPosition.EARLIEST))).push()).isEmpty();
        assertThat(get(broker().getQueue(q)).push()).isEmpty();
        assertThat(pop(q, DEFAULT, 10)).extracting(d -> d.body().payload().asUtf8()).containsExactly("a");
    }

    @Test
    void shouldRejectInvalidGroupNameNamingGroup() {
        String q = createQueue();

        invalid("group", () -> broker().putGroup(q, "no spaces", new GroupSpec(StartPosition.LATEST)));
        invalid("group", () -> broker().pop(q, new PopRequest("", 1, 0, 0)));
    }

    @Test
    void shouldReturnExistingGroupWhenPutAgainWithSameStart() {
        String q = createQueue();
        long now = System.currentTimeMillis();
        GroupInfo first = putGroup(q, "g", StartPosition.LATEST);

        GroupInfo again = putGroup(q, "g", StartPosition.LATEST);

        assertThat(again).isEqualTo(first);
        assertThat(first.name()).isEqualTo("g");
        assertThat(first.start()).isEqualTo(StartPosition.LATEST);
        assertThat(first.createdAt()).isCloseTo(now, within(5_000L));
    }

    @Test
    void shouldFailWithConflictWhenPutAgainWithOtherStart() {
        String q = createQueue();
        putGroup(q, "g", StartPosition.LATEST);

        failure(ErrorCode.CONFLICT, () -> broker().putGroup(q, "g", new GroupSpec(StartPosition.EARLIEST)));

        assertThat(get(broker().getGroup(q, "g")).start()).isEqualTo(StartPosition.LATEST);
    }

    @Test
    void shouldStorePushConfigAndReplaceItWhenPutAgainWithSameStart() {
        String q = createQueue();
        String first = "{\"url\":\"http://127.0.0.1:9/a\",\"note\":\"\u00e9\"}";

        GroupInfo created = get(broker().putGroup(q, "p", new GroupSpec(StartPosition.EARLIEST, Optional.of(first))));

        assertThat(created.push()).contains(first);
        assertThat(get(broker().getGroup(q, "p")).push()).contains(first);
        assertThat(get(broker().listGroups(q))).filteredOn(g -> g.name().equals("p"))
                .extracting(GroupInfo::push).containsExactly(Optional.of(first));
        assertThat(get(broker().getGroup(q, DEFAULT)).push()).isEmpty();
        GroupInfo changed = get(broker().putGroup(q, "p", new GroupSpec(StartPosition.EARLIEST,
                Optional.of("{\"url\":\"http://127.0.0.1:9/b\"}"))));
        assertThat(changed.push()).contains("{\"url\":\"http://127.0.0.1:9/b\"}");
        assertThat(changed.createdAt()).isEqualTo(created.createdAt());
        failure(ErrorCode.CONFLICT, () -> broker().putGroup(q, "p", new GroupSpec(StartPosition.LATEST,
                Optional.of(first))));
        assertThat(get(broker().getGroup(q, "p")).push()).contains("{\"url\":\"http://127.0.0.1:9/b\"}");
        assertThat(get(broker().putGroup(q, "p", new GroupSpec(StartPosition.EARLIEST))).push()).isEmpty();
    }

    @Test
    void shouldKeepPushConfigAndMessagesOfPushGroupAcrossRestart() {
        assumeRestart();
        String q = createQueue();
        String config = "{\"url\":\"http://127.0.0.1:9/hook\",\"concurrency\":3}";
        get(broker().putGroup(q, "p", new GroupSpec(StartPosition.LATEST, Optional.of(config))));
        get(broker().putGroup(q, "plain", new GroupSpec(StartPosition.LATEST)));
        get(broker().putGroup(q, "gone", new GroupSpec(StartPosition.LATEST, Optional.of(config))));
        get(broker().putGroup(q, "gone", new GroupSpec(StartPosition.LATEST)));
        get(broker().putGroup(q, DEFAULT, new GroupSpec(StartPosition.EARLIEST, Optional.of(config))));
        String other = createQueue();
        get(broker().putGroup(other, DEFAULT, new GroupSpec(StartPosition.EARLIEST, Optional.of(config))));
        get(broker().putGroup(other, DEFAULT, new GroupSpec(StartPosition.EARLIEST)));
        push(q, "a");

        restart();

        assertThat(get(broker().getGroup(q, DEFAULT)).push()).contains(config);
        assertThat(get(broker().getQueue(q)).push()).contains(config);
        assertThat(get(broker().getGroup(other, DEFAULT)).push()).isEmpty();
        assertThat(get(broker().getGroup(q, "p")).push()).contains(config);
        assertThat(get(broker().getGroup(q, "plain")).push()).isEmpty();
        assertThat(get(broker().getGroup(q, "gone")).push()).isEmpty();
        assertThat(pop(q, "p", 10)).extracting(d -> d.body().payload().asUtf8()).containsExactly("a");
    }

    @Test
    void shouldFailWithGroupNotFoundForUnknownGroup() {
        String q = createQueue();
        long id = push(q, "a");

        failure(ErrorCode.GROUP_NOT_FOUND, () -> broker().getGroup(q, "nope"));
        failure(ErrorCode.GROUP_NOT_FOUND, () -> broker().deleteGroup(q, "nope"));
        failure(ErrorCode.GROUP_NOT_FOUND, () -> broker().getMessage(q, id, new MessageQuery("nope", 0)));
    }

    @Test
    void shouldFailWithQueueNotFoundWhenPuttingGroupOnMissingQueue() {
        failure(ErrorCode.QUEUE_NOT_FOUND,
                () -> broker().putGroup(queueName(), "g", new GroupSpec(StartPosition.LATEST)));
    }

    @Test
    void shouldListDefaultGroupFirstThenNamedGroupsInNameOrder() {
        String q = createQueue();
        putGroup(q, "zeta", StartPosition.LATEST);
        putGroup(q, "alpha", StartPosition.LATEST);
        putGroup(q, "Mid", StartPosition.LATEST);

        assertThat(get(broker().listGroups(q))).extracting(GroupInfo::name)
                .containsExactly(DEFAULT, "Mid", "alpha", "zeta");
        assertThat(get(broker().getQueue(q)).groups()).extracting(GroupInfo::name)
                .containsExactly("Mid", "alpha", "zeta");
    }

    @Test
    void shouldDeliverEveryMessageToEveryGroup() {
        String q = createQueue();
        putGroup(q, "a", StartPosition.LATEST);
        putGroup(q, "b", StartPosition.LATEST);
        List<Long> ids = pushEach(q, "1", "2", "3");

        assertThat(ids(pop(q, "a", 10))).containsExactlyElementsOf(ids);
        assertThat(ids(pop(q, "b", 10))).containsExactlyElementsOf(ids);
        assertThat(ids(pop(q, DEFAULT, 10))).containsExactlyElementsOf(ids);
    }

    @Test
    void shouldKeepLeasesAndAcksIndependentPerGroup() {
        String q = createQueue();
        putGroup(q, "a", StartPosition.LATEST);
        putGroup(q, "b", StartPosition.LATEST);
        long id = push(q, "m");
        Delivery inA = popOne(q, "a");

        assertThat(ack(q, "a", inA)).isEqualTo(outcomes(ReceiptOutcome.OK));

        assertThat(stats(q, "a")).isEqualTo(QueueStats.EMPTY);
        assertThat(stats(q, "b").ready()).isEqualTo(1);
        assertThat(popOne(q, "b").id()).isEqualTo(id);
        assertThat(popOne(q).id()).isEqualTo(id);
    }

    @Test
    void shouldCountAttemptsPerGroup() {
        String q = createQueue(defaults().withMaxAttempts(0));
        putGroup(q, "a", StartPosition.LATEST);
        putGroup(q, "b", StartPosition.LATEST);
        push(q, "m");
        nack(q, "a", 0, "retry", popOne(q, "a"));
        nack(q, "a", 0, "retry", popOne(q, "a"));

        assertThat(popOne(q, "a").attempts()).isEqualTo(3);
        assertThat(popOne(q, "b").attempts()).isEqualTo(1);
    }

    @Test
    void shouldDeadLetterPerGroup() {
        String q = createQueue(defaults().withMaxAttempts(1));
        putGroup(q, "a", StartPosition.LATEST);
        putGroup(q, "b", StartPosition.LATEST);
        long id = push(q, "m");

        nack(q, "a", 0, "bad", popOne(q, "a"));

        assertThat(stats(q, "a").dead()).isEqualTo(1);
        assertThat(stats(q, "b").dead()).isZero();
        assertThat(stats(q, "b").ready()).isEqualTo(1);
        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(view(q, "a", id).state()).isEqualTo(MessageState.DEAD);
        assertThat(view(q, "b", id).state()).isEqualTo(MessageState.READY);
        assertThat(popOne(Names.defaultDeadLetterQueue(q)).body().headers()).containsEntry("spool-source-group", "a");
        assertThat(get(broker().browse(q, new BrowseRequest("b", MessageState.DEAD, 10, 0)))).isEmpty();
    }

    @Test
    void shouldRedriveDeadLetterIntoTheGroupItDiedInOnly() {
        String q = createQueue(defaults().withMaxAttempts(1));
        putGroup(q, "a", StartPosition.LATEST);
        putGroup(q, "b", StartPosition.LATEST);
        push(q, "m");
        nack(q, "a", 0, "bad", popOne(q, "a"));

        assertThat(get(broker().redrive(q, new RedriveRequest("a", 10)))).isEqualTo(1);

        assertThat(stats(q, "a").ready()).isEqualTo(1);
        assertThat(stats(q, "a").dead()).isZero();
        assertThat(stats(q, "b").ready()).isEqualTo(1);
        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(text(popOne(q, "a"))).isEqualTo("m");
    }

    @Test
    void shouldStartLatestGroupWithLaterPushesOnly() {
        String q = createQueue();
        push(q, "before");
        putGroup(q, "g", StartPosition.LATEST);

        long after = push(q, "after");

        assertThat(ids(pop(q, "g", 10))).containsExactly(after);
    }

    @Test
    void shouldStartEarliestGroupWithEveryUnfinishedMessage() {
        String q = createQueue();
        List<Long> ids = pushEach(q, "a", "b");
        popOne(q);

        putGroup(q, "g", StartPosition.EARLIEST);

        List<Delivery> ds = pop(q, "g", 10);
        assertThat(ids(ds)).containsExactlyElementsOf(ids);
        assertThat(ds).extracting(Delivery::attempts).containsExactly(1, 1);
    }

    @Test
    void shouldReportNotFoundForReceiptOfDeletedGroupInRecreatedGroupOfSameName() {
        assumeSignedReceipts();
        String q = createQueue();
        putGroup(q, "g", StartPosition.EARLIEST);
        long id = push(q, "m");
        Delivery old = popOne(q, "g");
        get(broker().deleteGroup(q, "g"));
        putGroup(q, "g", StartPosition.EARLIEST);
        Delivery again = popOne(q, "g");
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.attempts()).isEqualTo(old.attempts());

        assertThat(ack(q, "g", old)).isEqualTo(outcomes(ReceiptOutcome.NOT_FOUND));

        assertThat(ack(q, "g", again)).isEqualTo(outcomes(ReceiptOutcome.OK));
    }

    @Test
    void shouldReplayRetainedMessagesToNewEarliestGroup() {
        String q = createQueue(defaults().withRetentionMs(600_000));
        List<Long> ids = pushEach(q, "a", "b");
        ack(q, pop(q, 10).toArray(Delivery[]::new));
        assertThat(stats(q)).isEqualTo(QueueStats.EMPTY);

        putGroup(q, "replay", StartPosition.EARLIEST);

        assertThat(ids(pop(q, "replay", 10))).containsExactlyElementsOf(ids);
    }

    @Test
    void shouldForgetAckedMessageOnceRetentionPassed() {
        String q = createQueue(defaults().withRetentionMs(u(10)));
        long id = push(q, "m");
        Delivery d = popOne(q);
        ack(q, d);
        assertThat(view(q, id).state()).isEqualTo(MessageState.ACKED);

        eventually().untilAsserted(() -> failure(ErrorCode.MESSAGE_NOT_FOUND,
                () -> broker().getMessage(q, id, MessageQuery.NOW)));

        assertThat(ack(q, d)).isEqualTo(outcomes(ReceiptOutcome.NOT_FOUND));
        putGroup(q, "late", StartPosition.EARLIEST);
        assertNothingReady(q, "late");
    }

    @Test
    void shouldNotReplayMessagesForgottenWithoutRetention() {
        String q = createQueue(defaults().withRetentionMs(0));
        push(q, "gone");
        ack(q, popOne(q));
        long pending = push(q, "pending");

        putGroup(q, "g", StartPosition.EARLIEST);

        assertThat(ids(pop(q, "g", 10))).containsExactly(pending);
    }

    @Test
    void shouldStartTimestampGroupWithMessagesEnqueuedFromThatInstant() {
        String q = createQueue();
        long first = push(q, "before");
        long firstAt = view(q, first).enqueuedAt();
        eventually().until(() -> System.currentTimeMillis() > firstAt + 5);
        long second = push(q, "from");
        long secondAt = view(q, second).enqueuedAt();
        assertThat(secondAt).isGreaterThan(firstAt);

        putGroup(q, "g", new StartPosition.At(secondAt));
        long third = push(q, "later");

        assertThat(ids(pop(q, "g", 10))).containsExactly(second, third);
    }

    @Test
    void shouldForgetDeletedGroupWithItsLeases() {
        String q = createQueue();
        putGroup(q, "g", StartPosition.LATEST);
        push(q, "m");
        popOne(q, "g");

        get(broker().deleteGroup(q, "g"));

        failure(ErrorCode.GROUP_NOT_FOUND, () -> broker().getGroup(q, "g"));
        failure(ErrorCode.GROUP_NOT_FOUND, () -> broker().pop(q, new PopRequest("g", 1, 0, 0)));
        assertThat(get(broker().listGroups(q))).extracting(GroupInfo::name).containsExactly(DEFAULT);
        assertThat(stats(q).ready()).isEqualTo(1);
    }

    // The default group belongs to the queue: only deleting the queue removes it.
    @Test
    void shouldRejectDeletingDefaultGroup() {
        String q = createQueue();

        invalid("group", () -> broker().deleteGroup(q, DEFAULT));

        assertThat(get(broker().listGroups(q))).extracting(GroupInfo::name).containsExactly(DEFAULT);
    }

    @Test
    void shouldKeepMessageUntilEveryGroupFinishedIt() {
        String q = createQueue(defaults().withRetentionMs(0));
        putGroup(q, "g", StartPosition.LATEST);
        long id = push(q, "m");
        ack(q, popOne(q));

        assertThat(view(q, "g", id).state()).isEqualTo(MessageState.READY);
        Delivery inG = popOne(q, "g");
        assertThat(text(inG)).isEqualTo("m");
        ack(q, "g", inG);

        failure(ErrorCode.MESSAGE_NOT_FOUND, () -> broker().getMessage(q, id, new MessageQuery("g", 0)));
        failure(ErrorCode.MESSAGE_NOT_FOUND, () -> broker().getMessage(q, id, MessageQuery.NOW));
    }

    @Test
    void shouldDeleteMessageWhenOnlyGroupStillHoldingItIsDeleted() {
        String q = createQueue(defaults().withRetentionMs(0));
        putGroup(q, "g", StartPosition.LATEST);
        long id = push(q, "m");
        ack(q, popOne(q));

        get(broker().deleteGroup(q, "g"));

        failure(ErrorCode.MESSAGE_NOT_FOUND, () -> broker().getMessage(q, id, MessageQuery.NOW));
        putGroup(q, "late", StartPosition.EARLIEST);
        assertNothingReady(q, "late");
    }

    @Test
    void shouldReportCountsOfEachGroup() {
        String q = createQueue();
        putGroup(q, "g", StartPosition.LATEST);
        pushEach(q, "a", "b", "c");
        popOne(q, "g");

        GroupInfo g = get(broker().getGroup(q, "g"));

        assertThat(List.of(g.stats().ready(), g.stats().inFlight())).containsExactly(2L, 1L);
        assertThat(stats(q).ready()).isEqualTo(3);
        assertThat(get(broker().getQueue(q)).groups()).singleElement()
                .satisfies(i -> assertThat(i.stats().inFlight()).isEqualTo(1));
    }
}
