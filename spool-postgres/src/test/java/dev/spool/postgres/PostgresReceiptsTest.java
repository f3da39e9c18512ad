package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.GroupSpec;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.StartPosition;

/**
 * Signed receipts across servers of one database: one key for all of them, and a receipt of a group
 * deleted and recreated on another server is refused although this server cached the old group.
 */
@Timeout(120)
class PostgresReceiptsTest {

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Outcomes ack(PostgresBroker b, String q, String group, Delivery d) throws Exception {
        return get(b.ack(q, new AckRequest(group, Receipts.of(List.of(d)), Optional.empty())));
    }

    @Test
    void shouldAcceptOnOneServerAReceiptSignedByAnotherOfTheSameDatabase() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("receipts_shared");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(a.push("q", List.of(NewMessage.ofUtf8("m"))));
            Delivery d = get(a.pop("q", new PopRequest("default", 1, 0, 0))).get(0);

            assertThat(d.tag()).isNotZero();
            assertThat(d.receipt()).matches("[0-9a-f]{16}\\.1\\.[0-9a-f]{16}");
            Delivery untagged = new Delivery(d.id(), d.attempts(), d.enqueuedAt(), d.leaseExpiresAt(), d.body());
            assertThat(ack(b, "q", "default", untagged).get(0)).isEqualTo(ReceiptOutcome.NOT_FOUND);
            assertThat(ack(b, "q", "default", d).get(0)).isEqualTo(ReceiptOutcome.OK);
        }
    }

    @Test
    void shouldRefuseReceiptOfGroupRecreatedOnAnotherServer() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("receipts_recreated");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(a.putQueue("q", QueueConfig.DEFAULTS));
            GroupSpec earliest = new GroupSpec(new StartPosition.Earliest());
            get(a.putGroup("q", "g", earliest));
            get(a.push("q", List.of(NewMessage.ofUtf8("m"))));
            // a caches the group's id with this pop
            Delivery old = get(a.pop("q", new PopRequest("g", 1, 0, 0))).get(0);

            get(b.deleteGroup("q", "g"));
            get(b.putGroup("q", "g", earliest));
            Delivery again = get(b.pop("q", new PopRequest("g", 1, 0, 0))).get(0);
            assertThat(again.id()).isEqualTo(old.id());
            assertThat(again.attempts()).isEqualTo(old.attempts());

            assertThat(ack(a, "q", "g", old).get(0)).isEqualTo(ReceiptOutcome.NOT_FOUND);
            assertThat(ack(a, "q", "g", again).get(0)).isEqualTo(ReceiptOutcome.OK);
        }
    }
}
