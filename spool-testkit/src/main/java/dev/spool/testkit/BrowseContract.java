package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spool.api.Broker;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.StartPosition;

/** Browse: list the ready, delayed, in-flight or dead messages of a group in id order, without leasing. */
abstract class BrowseContract extends ContractSupport {

    BrowseContract(BrokerContractTest suite) {
        super(suite);
    }

    private List<MessageView> browse(String q, String group, MessageState state, int limit, long afterId) {
        return get(broker().browse(q, new BrowseRequest(group, state, limit, afterId)));
    }

    private List<MessageView> browse(String q, MessageState state) {
        return browse(q, Broker.DEFAULT_GROUP, state, 100, 0);
    }

    private static List<Long> viewIds(List<MessageView> vs) {
        return vs.stream().map(MessageView::id).toList();
    }

    @Test
    void shouldListReadyMessagesInIdOrderWithoutLeasingThem() {
        String q = createQueue();
        List<Long> ids = pushEach(q, "a", "b", "c");

        List<MessageView> vs = browse(q, MessageState.READY);

        assertThat(viewIds(vs)).containsExactlyElementsOf(ids);
        assertThat(vs).allSatisfy(v -> {
            assertThat(v.state()).isEqualTo(MessageState.READY);
            assertThat(v.queue()).isEqualTo(q);
            assertThat(v.attempts()).isZero();
        });
        assertThat(vs.get(1).body()).hasValueSatisfying(b -> assertThat(b.payload().asUtf8()).isEqualTo("b"));
        assertThat(stats(q).ready()).isEqualTo(3);
        assertThat(pop(q, 10)).extracting(Delivery::attempts).containsExactly(1, 1, 1);
    }

    @Test
    void shouldListInIdOrderRegardlessOfPriority() {
        String q = createQueue();
        long low = push(q, NewMessage.builder("low").priority(0).build());
        long high = push(q, NewMessage.builder("high").priority(9).build());

        assertThat(viewIds(browse(q, MessageState.READY))).containsExactly(low, high);
    }

    @Test
    void shouldPageThroughReadyMessagesWithLimitAndAfterId() {
        String q = createQueue();
        List<Long> ids = pushEach(q, "1", "2", "3", "4", "5");

        List<MessageView> page1 = browse(q, Broker.DEFAULT_GROUP, MessageState.READY, 2, 0);
        List<MessageView> page2 = browse(q, Broker.DEFAULT_GROUP, MessageState.READY, 2, page1.get(1).id());
        List<MessageView> page3 = browse(q, Broker.DEFAULT_GROUP, MessageState.READY, 2, page2.get(1).id());
        List<MessageView> page4 = browse(q, Broker.DEFAULT_GROUP, MessageState.READY, 2, page3.get(0).id());

        assertThat(viewIds(page1)).containsExactly(ids.get(0), ids.get(1));
        assertThat(viewIds(page2)).containsExactly(ids.get(2), ids.get(3));
        assertThat(viewIds(page3)).containsExactly(ids.get(4));
        assertThat(page4).isEmpty();
    }

    @Test
    void shouldListDelayedMessagesWithTheirAvailableAt() {
        String q = createQueue();
        push(q, "ready");
        long delayed = push(q, NewMessage.builder("later").delayMs(600_000).build());

        List<MessageView> vs = browse(q, MessageState.DELAYED);

        assertThat(viewIds(vs)).containsExactly(delayed);
        assertThat(vs.get(0).state()).isEqualTo(MessageState.DELAYED);
        assertThat(vs.get(0).availableAt()).isGreaterThan(System.currentTimeMillis() + 500_000);
    }

    @Test
    void shouldListInFlightMessagesWithLeaseEndAndAttempts() {
        String q = createQueue();
        long leased = push(q, "leased");
        push(q, "ready");
        Delivery d = popOne(q);

        List<MessageView> vs = browse(q, MessageState.IN_FLIGHT);

        assertThat(viewIds(vs)).containsExactly(leased);
        assertThat(vs.get(0).availableAt()).isEqualTo(d.leaseExpiresAt());
        assertThat(vs.get(0).attempts()).isEqualTo(1);
        assertThat(viewIds(browse(q, MessageState.READY))).doesNotContain(leased).hasSize(1);
    }

    @Test
    void shouldListReadyMessagesOfTheAskedGroupOnly() {
        String q = createQueue();
        get(broker().putGroup(q, "g", new GroupSpec(StartPosition.LATEST)));
        long id = push(q, "m");
        popOne(q);

        assertThat(viewIds(browse(q, "g", MessageState.READY, 10, 0))).containsExactly(id);
        assertThat(browse(q, MessageState.READY)).isEmpty();
        assertThat(browse(q, "g", MessageState.READY, 10, 0).get(0).group()).isEqualTo("g");
    }

    @Test
    void shouldPageThroughDeadLettersByOriginalId() {
        String q = createQueue(defaults().withMaxAttempts(1));
        List<Long> ids = pushEach(q, "a", "b");
        nack(q, 0, popOne(q));
        nack(q, 0, popOne(q));

        List<MessageView> first = browse(q, Broker.DEFAULT_GROUP, MessageState.DEAD, 1, 0);
        List<MessageView> second = browse(q, Broker.DEFAULT_GROUP, MessageState.DEAD, 1, first.get(0).id());

        assertThat(viewIds(first)).containsExactly(ids.get(0));
        assertThat(viewIds(second)).containsExactly(ids.get(1));
    }

    @Test
    void shouldRejectBrowsingAckedOrExpiredNamingState() {
        String q = createQueue();

        invalid("state", () -> broker().browse(q, new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.ACKED, 10, 0)));
        invalid("state",
                () -> broker().browse(q, new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.EXPIRED, 10, 0)));
    }

    @Test
    void shouldRejectBrowseLimitOutOfRangeNamingLimit() {
        String q = createQueue();
        int max = settings().limits().maxBrowse();

        invalid("limit", () -> broker().browse(q, new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.READY, 0, 0)));
        invalid("limit",
                () -> broker().browse(q, new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.READY, max + 1, 0)));
    }

    @Test
    void shouldFailBrowseOfMissingQueueWithQueueNotFound() {
        failure(ErrorCode.QUEUE_NOT_FOUND,
                () -> broker().browse(queueName(), new BrowseRequest(Broker.DEFAULT_GROUP, MessageState.READY, 10, 0)));
    }

    @Test
    void shouldFailBrowseOfUnknownGroupWithGroupNotFound() {
        String q = createQueue();

        failure(ErrorCode.GROUP_NOT_FOUND,
                () -> broker().browse(q, new BrowseRequest("nope", MessageState.READY, 10, 0)));
    }
}
