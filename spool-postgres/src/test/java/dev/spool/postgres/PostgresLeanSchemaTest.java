package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.RedriveRequest;
import dev.spool.api.StartPosition;

/**
 * The lean schema (migration V24): a queue with one group writes one row per message, the delivery
 * row with its body; a second group added while messages are ready, delayed and in flight moves the
 * bodies into shared rows without changing a lease or a receipt; and rows written in the shared form
 * before V24 (what earlier builds wrote) are served after the upgrade.
 */
@Timeout(120)
class PostgresLeanSchemaTest {
    private static final GroupSpec EARLIEST = new GroupSpec(new StartPosition.Earliest());

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Connection connect(PostgresConfig c) throws SQLException {
        return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password().orElse(""));
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long bodies(Connection c, String queue) throws SQLException {
        return count(c, "SELECT count(*) FROM spool_messages m JOIN spool_queues q ON q.id = m.queue_id "
                + "WHERE q.name = '" + queue + "'");
    }

    private static long rows(Connection c, String queue, String where) throws SQLException {
        return count(c, "SELECT count(*) FROM spool_deliveries d JOIN spool_groups g ON g.id = d.grp_id "
                + "JOIN spool_queues q ON q.id = g.queue_id WHERE q.name = '" + queue + "' AND " + where);
    }

    private static String text(Delivery d) throws Exception {
        try (InputStream in = d.body().payload().openStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static List<String> drain(PostgresBroker b, String q, String group) throws Exception {
        List<String> out = new ArrayList<>();
        while (true) {
            List<Delivery> got = get(b.pop(q, new PopRequest(group, 10, 0, 0)));
            if (got.isEmpty()) {
                return out;
            }
            for (Delivery d : got) {
                out.add(text(d));
            }
            assertThat(get(b.ack(q, new AckRequest(group, Receipts.of(got), Optional.empty()))).get(0))
                    .isEqualTo(ReceiptOutcome.OK);
        }
    }

    @Test
    void shouldWriteOneRowPerMessageWhenQueueHasOneGroup() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("lean_one_row");
        byte[] big = new byte[Codec.INLINE_MAX + 10];
        Arrays.fill(big, (byte) 'x');
        try (PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS); Connection c = connect(config)) {
            get(b.push("q", List.of(NewMessage.builder("a").header("h", "1").contentType("text/plain").build(),
                    NewMessage.of(big))));

            assertThat(bodies(c, "q")).as("no shared body rows").isZero();
            assertThat(rows(c, "q", "d.content_type IS NOT NULL")).isEqualTo(2);
            assertThat(count(c, "SELECT count(*) FROM spool_chunks")).as("two chunks").isEqualTo(2);
            List<Delivery> got = get(b.pop("q", new PopRequest("default", 10, 0, 0)));
            assertThat(got).hasSize(2);
            assertThat(text(got.get(0))).isEqualTo("a");
            assertThat(got.get(0).body().headers()).isEqualTo(Map.of("h", "1"));
            assertThat(got.get(0).body().contentType()).isEqualTo("text/plain");
            assertThat(got.get(1).body().payload().size()).isEqualTo(big.length);
            assertThat(get(b.getMessage("q", got.get(0).id(), MessageQuery.NOW)).body()).isPresent();
            assertThat(get(b.browse("q", new BrowseRequest("default", MessageState.IN_FLIGHT, 10, 0)))).hasSize(2);

            Outcomes acked = get(b.ack("q", new AckRequest("default", Receipts.of(got), Optional.empty())));
            assertThat(acked.get(0)).isEqualTo(ReceiptOutcome.OK);
            assertThat(acked.get(1)).isEqualTo(ReceiptOutcome.OK);
            assertThat(rows(c, "q", "true")).isZero();
            assertThat(count(c, "SELECT count(*) FROM spool_chunks")).as("the large payload's chunks went").isZero();
        }
    }

    @Test
    void shouldShareBodiesWhenSecondGroupIsAddedWithMessagesInFlight() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("lean_convert");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                Connection c = connect(config)) {
            get(a.putQueue("q", QueueConfig.DEFAULTS));
            get(a.push("q", List.of(NewMessage.builder("in-flight").header("h", "f").build(),
                    NewMessage.builder("ready").key("k").build(), NewMessage.builder("behind-key").key("k").build(),
                    NewMessage.builder("delayed").delayMs(600_000).build())));
            Delivery leased = get(a.pop("q", new PopRequest("default", 1, 0, 0))).get(0);
            assertThat(text(leased)).isEqualTo("in-flight");
            assertThat(bodies(c, "q")).isZero();

            // through the other server, which has no cached state of the queue
            get(b.putGroup("q", "g2", EARLIEST));

            assertThat(rows(c, "q", "d.content_type IS NOT NULL")).as("no lean rows left").isZero();
            assertThat(bodies(c, "q")).isEqualTo(4);
            // the lease and its receipt are untouched: extend, then ack on the first server
            assertThat(get(a.ack("q", new AckRequest("default", Receipts.of(List.of(leased)), Optional.empty()))).get(0))
                    .isEqualTo(ReceiptOutcome.OK);
            assertThat(drain(a, "q", "default")).containsExactly("ready", "behind-key");
            assertThat(drain(b, "q", "g2")).containsExactly("in-flight", "ready", "behind-key");
            Delivery headers = null;
            get(a.push("q", List.of(NewMessage.builder("after").header("h", "2").build())));
            assertThat(bodies(c, "q")).as("a fan-out queue writes shared bodies").isEqualTo(2);
            for (String g : List.of("default", "g2")) {
                headers = get(a.pop("q", new PopRequest(g, 1, 0, 0))).get(0);
                assertThat(headers.body().headers()).isEqualTo(Map.of("h", "2"));
                get(a.ack("q", new AckRequest(g, Receipts.of(List.of(headers)), Optional.empty())));
            }
            assertThat(bodies(c, "q")).as("only the delayed message's body is held").isEqualTo(1);
            assertThat(rows(c, "q", "true")).isEqualTo(2);
        }
    }

    /**
     * Rows written in the shared form, as every build before V24 wrote them (a body row and a
     * delivery row): ready, in flight (with a receipt handed out before the upgrade) and dead. The
     * database is taken back to the previous schema (V24's columns, functions and version dropped),
     * then upgraded; every message is still there and served.
     */
    @Test
    void shouldKeepReadyInFlightAndDeadMessagesWhenUpgradingFromPreviousSchema() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("lean_upgrade");
        Delivery leased;
        try (PostgresBroker old = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(old.putQueue("q", QueueConfig.DEFAULTS.withMaxAttempts(1)));
            // a second group makes pushes write the shared form, as earlier builds did
            get(old.putGroup("q", "tmp", EARLIEST));
            get(old.push("q", List.of(NewMessage.ofUtf8("dead"), NewMessage.ofUtf8("in-flight"),
                    NewMessage.ofUtf8("ready"))));
            get(old.deleteGroup("q", "tmp"));
            Delivery dying = get(old.pop("q", new PopRequest("default", 1, 0, 0))).get(0);
            get(old.nack("q", new NackRequest("default", Receipts.of(List.of(dying)), OptionalLong.empty(),
                    Optional.of("boom"))));
            leased = get(old.pop("q", new PopRequest("default", 1, 0, 0))).get(0);
        }
        try (Connection c = connect(config); Statement s = c.createStatement()) {
            assertThat(bodies(c, "q")).as("the dead one is kept for its result TTL").isEqualTo(3);
            s.execute("DROP TRIGGER spool_deliveries_chunks ON spool_deliveries");
            s.execute("DROP FUNCTION spool_drop_lean_chunks(), spool_share_bodies(bigint)");
            s.execute("ALTER TABLE spool_deliveries DROP COLUMN not_before, DROP COLUMN content_type, "
                    + "DROP COLUMN headers, DROP COLUMN traceparent, DROP COLUMN size, DROP COLUMN payload");
            s.execute("DELETE FROM spool_schema_version WHERE version = 24");
            s.execute("DELETE FROM spool_schema_functions");

            assertThat(Migrations.apply(c)).as("V24 and the functions").isEqualTo(2);
        }
        try (PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS); Connection c = connect(config)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("new"))));
            assertThat(rows(c, "q", "d.content_type IS NOT NULL")).as("new pushes are lean").isEqualTo(1);
            assertThat(get(b.ack("q", new AckRequest("default", Receipts.of(List.of(leased)), Optional.empty()))).get(0))
                    .isEqualTo(ReceiptOutcome.OK);
            List<MessageView> dead = get(b.browse("q", new BrowseRequest("default", MessageState.DEAD, 10, 0)));
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).lastError()).hasValueSatisfying(e -> assertThat(e).endsWith("boom"));
            assertThat(get(b.redrive("q", new RedriveRequest("default", 10)))).isEqualTo(1);
            assertThat(drain(b, "q", "default")).containsExactlyInAnyOrder("ready", "new", "dead");
            assertThat(rows(c, "q", "d.state < 4")).isZero();
            assertThat(bodies(c, "q")).as("only the dead source row's, kept for its result TTL").isEqualTo(1);
        }
    }
}
