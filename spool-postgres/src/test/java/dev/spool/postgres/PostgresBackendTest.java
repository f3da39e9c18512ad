package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.GroupSpec;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;

/** Properties of the PostgreSQL backend beyond the Broker contract: migrations and bounded state. */
class PostgresBackendTest {

    private static Connection connect(PostgresConfig c) throws SQLException {
        return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password().orElse(""));
    }

    @Test
    void migrationsAppliedConcurrentlyRunEachStepOnceAndAgainDoNothing() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("migrations");
        // the baseline, each versioned script after it, the functions
        int steps = 1 + Migrations.scripts().size() + 1;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> {
                    try (Connection c = connect(config)) {
                        return Migrations.apply(c);
                    }
                }));
            }
            int applied = 0;
            for (Future<Integer> f : runs) {
                applied += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(applied).isEqualTo(steps);
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = connect(config); Statement s = c.createStatement()) {
            assertThat(Migrations.apply(c)).isZero();
            try (ResultSet rs = s.executeQuery("SELECT count(*), min(version) FROM spool_schema_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(steps - 1);
                assertThat(rs.getInt(2)).isEqualTo(Migrations.BASELINE);
            }
            try (ResultSet rs = s.executeQuery("SELECT array_agg(digest) FROM spool_schema_functions")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("{" + Migrations.functionsDigest() + "}");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_proc WHERE proname LIKE 'spool\\_%'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("one function per file").isEqualTo(Migrations.functions().size());
            }
        }
    }

    /**
     * A database made by an earlier build: the versioned scripts V1-V10 recorded, the functions of
     * that build (here: one of them replaced by something else) and no digest. The baseline changes
     * no table (its statements are idempotent), the functions are replaced by this build's, and
     * the schema then serves.
     */
    @Test
    void shouldUpgradeADatabaseOfTheVersionedScriptsToTheBaseline() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("upgrade");
        try (Connection c = connect(config); Statement s = c.createStatement()) {
            Migrations.apply(c);
            s.execute("DROP TABLE spool_schema_functions");
            s.execute("DELETE FROM spool_schema_version");
            s.execute("INSERT INTO spool_schema_version (version, description) "
                    + "SELECT v, 'legacy' FROM generate_series(1, 10) v");
            s.execute("CREATE OR REPLACE FUNCTION spool_hex(p_id bigint) RETURNS text LANGUAGE sql IMMUTABLE "
                    + "AS $$ SELECT 'legacy' $$");
            assertThat(Migrations.apply(c)).as("baseline, versioned scripts and functions")
                    .isEqualTo(2 + Migrations.scripts().size());
            List<Migrations.Script> scripts = Migrations.scripts();
            assertThat(Migrations.currentVersion(c)).isEqualTo(scripts.isEmpty() ? Migrations.BASELINE
                    : scripts.get(scripts.size() - 1).version());
            try (ResultSet rs = s.executeQuery("SELECT spool_hex(255)")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("00000000000000ff");
            }
            assertThat(Migrations.apply(c)).isZero();
        }
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            broker.push("q", List.of(NewMessage.ofUtf8("x"))).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(broker.pop("q", new PopRequest("default", 1, 30_000, 0)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void idleFusionLanesAreDropped() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("lanes");
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            broker.push("q", List.of(NewMessage.ofUtf8("x"))).toCompletableFuture().get(30, TimeUnit.SECONDS);
            // every visibility value is a lane of its own while it runs
            List<CompletableFuture<List<Delivery>>> pops = new ArrayList<>();
            for (int v = 1; v <= 300; v++) {
                pops.add(broker.pop("q", new PopRequest("default", 1, 60_000 + v, 0)).toCompletableFuture());
            }
            int got = 0;
            for (CompletableFuture<List<Delivery>> p : pops) {
                got += p.get(60, TimeUnit.SECONDS).size();
            }
            assertThat(got).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.fusionLanes() == 0);
        }
    }

    @Test
    void ackedBodiesAreDroppedOnceNoGroupHoldsThem() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("bodies");
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                Connection c = connect(config)) {
            List<NewMessage> ten = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ten.add(NewMessage.ofUtf8("m" + i));
            }
            // one group: the ack drops the bodies with the deliveries
            broker.push("single", ten).toCompletableFuture().get(30, TimeUnit.SECONDS);
            drain(broker, "single", "default");
            assertThat(bodies(c, "single")).isZero();

            // two groups: a body stays until both have acked it
            broker.putQueue("double", QueueConfig.DEFAULTS).toCompletableFuture().get(30, TimeUnit.SECONDS);
            broker.putGroup("double", "audit", new GroupSpec(new dev.spool.api.StartPosition.Earliest())).toCompletableFuture().get(30, TimeUnit.SECONDS);
            broker.push("double", ten).toCompletableFuture().get(30, TimeUnit.SECONDS);
            drain(broker, "double", "default");
            assertThat(bodies(c, "double")).isEqualTo(10);
            drain(broker, "double", "audit");
            assertThat(bodies(c, "double")).isZero();
        }
    }

    private static void drain(PostgresBroker broker, String queue, String group) throws Exception {
        List<Delivery> got = broker.pop(queue, new PopRequest(group, 100, 0, 0)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(got).hasSize(10);
        assertThat(broker.ack(queue, new AckRequest(group, Receipts.of(got), java.util.Optional.empty()))
                .toCompletableFuture().get(30, TimeUnit.SECONDS).okCount()).isEqualTo(10);
    }

    private static int bodies(Connection c, String queue) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM spool_messages m "
                + "JOIN spool_queues q ON q.id = m.queue_id WHERE q.name = '" + queue + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A task view issued before an ack sees the ack, even when the ack's round trips are faster. */
    @Test
    void aTaskViewIssuedBeforeAnAckReportsTheAck() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("views");
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            for (int i = 0; i < 100; i++) {
                String q = "v" + i;
                long id = broker.push(q, List.of(NewMessage.ofUtf8("t"))).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS)[0];
                CompletableFuture<MessageView> waiting = broker.getMessage(q, id,
                        new MessageQuery("default", 5000)).toCompletableFuture();
                CompletableFuture<MessageView> now = broker.getMessage(q, id, new MessageQuery("default", 0))
                        .toCompletableFuture();
                List<Delivery> got = broker.pop(q, new PopRequest("default", 1, 0, 0)).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                broker.ack(q, new AckRequest("default", Receipts.of(got), java.util.Optional.empty()))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(waiting.get(30, TimeUnit.SECONDS).state()).isEqualTo(MessageState.ACKED);
                assertThat(now.get(30, TimeUnit.SECONDS).state()).isEqualTo(MessageState.READY);
            }
        }
    }
}
