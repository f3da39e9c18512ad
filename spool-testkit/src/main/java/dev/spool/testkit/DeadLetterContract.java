package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.Names;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueStats;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.RedriveRequest;

/**
 * Dead letters: a message whose lease ends (nack or expiry) on its last attempt dies; a copy with
 * a new id and {@code spool-*} headers goes to the dead-letter queue; the source queue counts,
 * browses and redrives it.
 */
abstract class DeadLetterContract extends ContractSupport {
    static final String REASON = "spool-dead-reason";
    static final String SOURCE_QUEUE = "spool-source-queue";
    static final String SOURCE_GROUP = "spool-source-group";
    static final String SOURCE_ID = "spool-source-id";

    DeadLetterContract(BrokerContractTest suite) {
        super(suite);
    }

    private QueueConfig oneAttempt() {
        return defaults().withMaxAttempts(1);
    }

    /** Pushes, pops and nacks a message of a one-attempt queue so that it dies; returns its id. */
    private long kill(String q, String text, String reason) {
        long id = push(q, text);
        Delivery d = popOne(q);
        assertThat(d.id()).isEqualTo(id);
        nack(q, Broker.DEFAULT_GROUP, 0, reason, d);
        return id;
    }

    private static String dlq(String q) {
        return Names.defaultDeadLetterQueue(q);
    }

    @Test
    void shouldDeadLetterMessageWhenNackedOnItsLastAttempt() {
        String q = createQueue(defaults().withMaxAttempts(2));
        long id = push(q, "job");
        nack(q, Broker.DEFAULT_GROUP, 0, "first", popOne(q));
        Delivery last = popOne(q);

        nack(q, Broker.DEFAULT_GROUP, 0, "boom", last);

        Delivery dead = popOne(dlq(q));
        assertThat(last.attempts()).isEqualTo(2);
        assertThat(dead.id()).isNotEqualTo(id);
        assertThat(dead.attempts()).isEqualTo(1);
        assertThat(text(dead)).isEqualTo("job");
        Map<String, String> h = dead.body().headers();
        assertThat(h.get(REASON)).startsWith("max_attempts").contains("boom");
        assertThat(h).containsEntry(SOURCE_QUEUE, q).containsEntry(SOURCE_GROUP, Broker.DEFAULT_GROUP)
                .containsEntry(SOURCE_ID, MessageIds.format(id));
        assertNothingReady(q);
    }

    @Test
    void shouldDeadLetterAtOnceWhenNackAsksForItWithAttemptsLeft() {
        String q = createQueue(defaults().withMaxAttempts(5));
        long id = push(q, "job");
        Delivery d = popOne(q);

        Outcomes o = get(broker().nack(q, new NackRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)),
                OptionalLong.of(0), Optional.of("http 410: gone"), true)));

        assertThat(o.get(0)).isEqualTo(ReceiptOutcome.OK);
        Delivery dead = popOne(dlq(q));
        assertThat(text(dead)).isEqualTo("job");
        assertThat(dead.body().headers()).containsEntry(REASON, "http 410: gone").containsEntry(SOURCE_ID,
                MessageIds.format(id));
        assertThat(get(broker().getMessage(q, id, new MessageQuery(Broker.DEFAULT_GROUP, 0))).state())
                .isEqualTo(MessageState.DEAD);
        assertNothingReady(q);
    }

    @Test
    void shouldDeadLetterMessageWhenLeaseExpiresOnItsLastAttempt() {
        String q = createQueue(oneAttempt());
        long id = push(q, "slow");
        get(broker().pop(q, new PopRequest(Broker.DEFAULT_GROUP, 1, u(1), 0)));

        eventually().until(() -> stats(q).dead() == 1);

        MessageView v = view(q, id);
        assertThat(v.state()).isEqualTo(MessageState.DEAD);
        assertThat(v.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("max_attempts"));
        assertThat(popOne(dlq(q)).body().headers().get(REASON)).startsWith("max_attempts");
        assertThat(stats(q).inFlight()).isZero();
    }

    @Test
    void shouldCarryWholeBodyToDeadLetterPlusSourceHeaders() {
        String q = createQueue(oneAttempt());
        long id = push(q, NewMessage.builder("{}").contentType(MessageBody.JSON).key("k").priority(4)
                .header("tenant", "acme").build());
        nack(q, 0, popOne(q));

        MessageBody b = popOne(dlq(q)).body();

        assertThat(b.payload().asUtf8()).isEqualTo("{}");
        assertThat(b.contentType()).isEqualTo(MessageBody.JSON);
        assertThat(b.key()).contains("k");
        assertThat(b.priority()).isEqualTo(4);
        assertThat(b.headers()).containsEntry("tenant", "acme").containsEntry(SOURCE_ID, MessageIds.format(id))
                .containsKeys(REASON, SOURCE_QUEUE, SOURCE_GROUP).hasSize(5);
    }

    @Test
    void shouldShowDeadStateAttemptsAndReasonInTaskView() {
        String q = createQueue(oneAttempt());
        long id = kill(q, "job", "bad input");

        MessageView v = view(q, id);

        assertThat(v.state()).isEqualTo(MessageState.DEAD);
        assertThat(v.attempts()).isEqualTo(1);
        assertThat(v.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("max_attempts").contains("bad input"));
    }

    @Test
    void shouldCountDeadLettersInSourceQueueStats() {
        String q = createQueue(oneAttempt());
        kill(q, "a", "x");
        kill(q, "b", "x");

        QueueStats s = stats(q);

        assertThat(List.of(s.ready(), s.delayed(), s.inFlight(), s.dead())).containsExactly(0L, 0L, 0L, 2L);
        assertThat(stats(dlq(q)).ready()).isEqualTo(2);
    }

    @Test
    void shouldStopCountingDeadLetterOnceAckedInDeadLetterQueue() {
        String q = createQueue(oneAttempt());
        kill(q, "a", "x");

        ack(dlq(q), popOne(dlq(q)));

        assertThat(stats(q).dead()).isZero();
    }

    @Test
    void shouldStopCountingDeadLettersWhenDeadLetterQueueIsPurged() {
        String q = createQueue(oneAttempt());
        kill(q, "a", "x");

        assertThat(get(broker().purgeQueue(dlq(q)))).isEqualTo(1);

        assertThat(stats(q).dead()).isZero();
    }

    @Test
    void shouldBrowseDeadLettersUnderTheirOriginalId() {
        String q = createQueue(oneAttempt());
        long id = kill(q, "job", "x");

        List<MessageView> dead = get(broker().browse(q, new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.DEAD,
                10, 0)));

        assertThat(dead).hasSize(1);
        MessageView v = dead.get(0);
        assertThat(v.id()).isEqualTo(id);
        assertThat(v.queue()).isEqualTo(q);
        assertThat(v.group()).isEqualTo(Broker.DEFAULT_GROUP);
        assertThat(v.state()).isEqualTo(MessageState.DEAD);
        assertThat(v.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("max_attempts"));
        assertThat(v.body()).hasValueSatisfying(b -> assertThat(b.payload().asUtf8()).isEqualTo("job"));
    }

    @Test
    void shouldRedriveDeadLettersAsNewMessagesWithZeroAttempts() {
        String q = createQueue(oneAttempt());
        long id = kill(q, "job", "x");

        long moved = get(broker().redrive(q, new RedriveRequest(Broker.DEFAULT_GROUP, 10)));

        assertThat(moved).isEqualTo(1);
        assertThat(stats(q).dead()).isZero();
        assertThat(stats(q).ready()).isEqualTo(1);
        assertThat(stats(dlq(q)).ready()).isZero();
        Delivery again = popOne(q);
        assertThat(again.id()).isNotEqualTo(id);
        assertThat(again.attempts()).isEqualTo(1);
        assertThat(text(again)).isEqualTo("job");
    }

    @Test
    void shouldRedriveAtMostLimitDeadLetters() {
        String q = createQueue(oneAttempt());
        kill(q, "a", "x");
        kill(q, "b", "x");
        kill(q, "c", "x");

        assertThat(get(broker().redrive(q, new RedriveRequest(Broker.DEFAULT_GROUP, 2)))).isEqualTo(2);

        assertThat(stats(q).dead()).isEqualTo(1);
        assertThat(stats(q).ready()).isEqualTo(2);
    }

    @Test
    void shouldRedriveOnlySelectedDeadLettersWhenIdsAreGiven() {
        String q = createQueue(oneAttempt());
        kill(q, "a", "x");
        long b = kill(q, "b", "x");
        long c = kill(q, "c", "x");

        assertThat(get(broker().redrive(q, RedriveRequest.selected(Broker.DEFAULT_GROUP, List.of(c, b))))).isEqualTo(2);

        assertThat(stats(q).dead()).isEqualTo(1);
        assertThat(texts(get(broker().pop(q, PopRequest.of(10))))).containsExactlyInAnyOrder("b", "c");
        assertThat(get(broker().redrive(q, new RedriveRequest(Broker.DEFAULT_GROUP, 10)))).as("a is left").isEqualTo(1);
    }

    @Test
    void shouldSkipSelectedIdsThatAreNotDeadLettersOfTheGroup() {
        String q = createQueue(oneAttempt());
        long dead = kill(q, "a", "x");
        long live = push(q, "live");

        long moved = get(broker().redrive(q, RedriveRequest.selected(Broker.DEFAULT_GROUP,
                List.of(live, dead, dead + 1_000_000_000L))));

        assertThat(moved).isEqualTo(1);
        assertThat(stats(q).dead()).isZero();
        assertThat(stats(q).ready()).isEqualTo(2);
        assertThat(get(broker().redrive(q, RedriveRequest.selected(Broker.DEFAULT_GROUP, List.of(dead))))).isZero();
    }

    @Test
    void shouldNotRedriveDeadLetterLeasedInDeadLetterQueue() {
        String q = createQueue(oneAttempt());
        kill(q, "a", "x");
        popOne(dlq(q));

        assertThat(get(broker().redrive(q, new RedriveRequest(Broker.DEFAULT_GROUP, 10)))).isZero();

        assertThat(stats(q).dead()).isEqualTo(1);
        assertThat(stats(q).ready()).isZero();
    }

    @Test
    void shouldUseConfiguredDeadLetterQueue() {
        String graveyard = queueName("graveyard");
        String q = createQueue(oneAttempt().withDeadLetterQueue(Optional.of(graveyard)));

        kill(q, "job", "x");

        assertThat(text(popOne(graveyard))).isEqualTo("job");
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(dlq(q)));
    }

    // Dead letters must never be lost, so the dead-letter queue is created whatever auto-create says.
    @Test
    void shouldCreateDeadLetterQueueWithDefaultsEvenWhenAutoCreateIsOff() {
        Broker b = open(settings().withAutoCreateQueues(false));
        String q = queueName();
        get(b.putQueue(q, oneAttempt()));
        get(b.push(q, List.of(NewMessage.ofUtf8("job"))));
        Delivery d = get(b.pop(q, PopRequest.of(1))).get(0);

        get(b.nack(q, NackRequest.of(Receipts.of(List.of(d)))));

        var info = get(b.getQueue(dlq(q)));
        assertThat(info.config()).isEqualTo(b.settings().queueDefaults());
        assertThat(info.stats().ready()).isEqualTo(1);
    }

    @Test
    void shouldNeverDeadLetterWhenMaxAttemptsIsZero() {
        String q = createQueue(defaults().withMaxAttempts(0));
        push(q, "forever");
        for (int i = 0; i < 7; i++) {
            nack(q, 0, popOne(q));
        }

        Delivery d = popOne(q);

        assertThat(d.attempts()).isEqualTo(8);
        assertThat(stats(q).dead()).isZero();
        failure(ErrorCode.QUEUE_NOT_FOUND, () -> broker().getQueue(dlq(q)));
    }

    @Test
    void shouldDeliverExactlyMaxAttemptsTimesBeforeDying() {
        String q = createQueue(defaults().withMaxAttempts(3));
        push(q, "job");
        int deliveries = 0;
        for (List<Delivery> ds = pop(q, 1); !ds.isEmpty(); ds = pop(q, 1)) {
            deliveries++;
            assertThat(ds.get(0).attempts()).isEqualTo(deliveries);
            nack(q, 0, ds.get(0));
        }

        assertThat(deliveries).isEqualTo(3);
        assertThat(stats(q).dead()).isEqualTo(1);
    }

    @Test
    void shouldAttributeDeadLettersInSharedDeadLetterQueueToTheirSource() {
        String shared = queueName("shared-dlq");
        String q1 = createQueue(oneAttempt().withDeadLetterQueue(Optional.of(shared)));
        String q2 = createQueue(oneAttempt().withDeadLetterQueue(Optional.of(shared)));
        long fromQ1 = kill(q1, "one", "x");
        kill(q2, "two", "x");

        List<MessageView> dead = get(broker().browse(q1, new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.DEAD,
                10, 0)));

        assertThat(dead).extracting(MessageView::id).containsExactly(fromQ1);
        assertThat(stats(q1).dead()).isEqualTo(1);
        assertThat(stats(q2).dead()).isEqualTo(1);
        assertThat(stats(shared).ready()).isEqualTo(2);
    }

    @Test
    void shouldRejectRedriveLimitBelowOneNamingLimit() {
        String q = createQueue(oneAttempt());

        invalid("limit", () -> broker().redrive(q, new RedriveRequest(Broker.DEFAULT_GROUP, 0)));
    }
}
