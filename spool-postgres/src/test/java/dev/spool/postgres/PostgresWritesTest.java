package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;

/**
 * What a message costs PostgreSQL on a queue with one group: push, pop and ack of 1 KiB messages in
 * batches of 100, one statement at a time, counted three ways that load distorts little: the rows
 * it leaves in each table while leased (exact), the WAL bytes written (the distance the WAL insert
 * position moved), and the CPU time of the database's backends (from {@code /proc/<pid>/schedstat},
 * in nanoseconds, the measuring connection's own excluded). Each round is followed by one of
 * spool-it's {@code PostgresFloorTest} statements on a table of their own, so that both see the same
 * load, and the test prints Spool's CPU per message over the floor's. {@code -Dspool.test.writesRounds}
 * batches are measured (default 30). With
 * {@code -Dspool.test.writesProfile=true} the database tracks function times ({@code track_functions =
 * all}, which slows every call) and the test prints each SQL function's own time per message: elapsed
 * time, so on a loaded machine it includes waiting for a CPU; compare the functions with each other.
 */
@Timeout(300)
class PostgresWritesTest {
    private static final int BATCH = 100;

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** CPU nanoseconds of the client backends of this database but {@code c}'s own (0 for a process that is gone). */
    private static long backendsCpu(Connection c) throws SQLException {
        long ns = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
            while (rs.next()) {
                try {
                    ns += Long.parseLong(Files.readString(Path.of("/proc", rs.getString(1), "schedstat")).split(" ")[0]);
                } catch (IOException | RuntimeException e) {
                    // not on Linux, or the backend exited: counts nothing
                }
            }
        }
        return ns;
    }

    @Test
    void shouldWriteOneRowPerMessageWhenQueueHasOneGroup() throws Exception {
        int rounds = Integer.getInteger("spool.test.writesRounds", 30);
        boolean profile = Boolean.getBoolean("spool.test.writesProfile");
        PostgresConfig config = TestPostgres.newDatabase("writes");
        if (profile) {
            try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password().orElse(""));
                    Statement s = c.createStatement()) {
                s.execute("DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET track_functions = ''all''', current_database()); END$$");
            }
        }
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(NewMessage.of(new byte[1024]));
        }
        try (PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(),
                        config.password().orElse(""))) {
            // a first round creates the queue and warms the tables and the connections
            List<Delivery> leased = pushAndPop(b, batch);
            long bodies = scalar(c, "SELECT count(*) FROM spool_messages");
            long deliveries = scalar(c, "SELECT count(*) FROM spool_deliveries");
            ack(b, leased);
            for (int r = 0; r < 4; r++) {
                ack(b, pushAndPop(b, batch));
            }
            long wal = 0;
            long[] split = new long[3];
            long[] fl = new long[3];
            // the floor's rounds alternate with Spool's, so that both see the same load
            try (Connection w = DriverManager.getConnection(config.jdbcUrl(), config.user(),
                    config.password().orElse("")); Floor floor = new Floor(w)) {
                for (int r = 0; r < 5; r++) {
                    floor.round(c);
                }
                for (int r = 0; r < rounds; r++) {
                    long wal0 = scalar(c, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn");
                    long t0 = backendsCpu(c);
                    get(b.push("q", batch));
                    long t1 = backendsCpu(c);
                    List<Delivery> got = get(b.pop("q", new PopRequest("default", BATCH, 0, 0)));
                    long t2 = backendsCpu(c);
                    ack(b, got);
                    split[0] += t1 - t0;
                    split[1] += t2 - t1;
                    split[2] += backendsCpu(c) - t2;
                    wal += scalar(c, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn") - wal0;
                    long[] f = floor.round(c);
                    for (int k = 0; k < 3; k++) {
                        fl[k] += f[k];
                    }
                }
            }
            long cpu = split[0] + split[1] + split[2];
            long floorCpu = fl[0] + fl[1] + fl[2];
            long messages = (long) BATCH * rounds;

            System.out.printf("push + pop + ack, one group, %d batches of %d x 1 KiB: %d WAL bytes and %.1f us of "
                    + "backend CPU per message (push %.1f, pop %.1f, ack %.1f)%n", rounds, BATCH, wal / messages,
                    cpu / 1e3 / messages, split[0] / 1e3 / messages, split[1] / 1e3 / messages,
                    split[2] / 1e3 / messages);
            System.out.printf("the floor's statements (PostgresFloorTest's table, JDBC), rounds alternating with Spool's: "
                    + "%.1f us of backend CPU per message (push %.1f, pop %.1f, ack %.1f); Spool / floor %.2f%n",
                    floorCpu / 1e3 / messages, fl[0] / 1e3 / messages, fl[1] / 1e3 / messages, fl[2] / 1e3 / messages,
                    (double) cpu / floorCpu);
            if (profile) {
                printFunctionTimes(c, messages + 5L * BATCH); // the five warm-up rounds count too
            }
            assertThat(bodies).as("body rows while leased").isZero();
            assertThat(deliveries).as("delivery rows while leased").isEqualTo(BATCH);
            assertThat(wal).isPositive();
        }
    }

    /**
     * Each function's own time (its statements, not the functions it calls) per message, once the
     * broker's backends flushed their statistics (an idle backend does within about ten seconds).
     */
    private static void printFunctionTimes(Connection c, long messages) throws Exception {
        // the functions of push, pop and ack: maintenance (spool_gc, every 2 s) would never let the figures settle
        String sql = "SELECT funcname, calls, self_time FROM pg_stat_user_functions WHERE funcname IN ('spool_push', "
                + "'spool_pop', 'spool_ack', 'spool_settle', 'spool_queue_get', 'spool_group_id', 'spool_lock_keys', "
                + "'spool_lock_receipts', 'spool_ids', 'spool_promote', 'spool_outcomes', 'spool_drop_unheld') "
                + "ORDER BY self_time DESC";
        String[] last = {""};
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).pollDelay(java.time.Duration.ofSeconds(2))
                .pollInterval(java.time.Duration.ofSeconds(2)).until(() -> {
                    StringBuilder out = new StringBuilder();
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                        while (rs.next()) {
                            out.append(String.format("  %-22s %8d calls %8.1f us per message%n", rs.getString(1),
                                    rs.getLong(2), rs.getDouble(3) * 1e3 / messages));
                        }
                    }
                    boolean stable = out.length() > 0 && out.toString().equals(last[0]);
                    last[0] = out.toString();
                    return stable;
                });
        System.out.print("SQL functions' own time, by function:\n" + last[0]);
    }

    /**
     * The statements of spool-it's {@code PostgresFloorTest} (one table, its key and a partial index of
     * ready rows; no Spool function), run on {@code w}: each {@link #round} pushes, pops and acks one
     * batch and returns the CPU nanoseconds of each, measured through {@code c}.
     */
    private static final class Floor implements AutoCloseable {
        private final Connection w;
        private final PreparedStatement push;
        private final PreparedStatement pop;
        private final PreparedStatement ack;
        private final byte[][] payloads = new byte[BATCH][1024];

        Floor(Connection w) throws SQLException {
            this.w = w;
            try (Statement s = w.createStatement()) {
                s.execute("CREATE TABLE floor_q (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        + "leased boolean NOT NULL DEFAULT false, vt bigint NOT NULL, attempts int NOT NULL DEFAULT 0, "
                        + "payload bytea NOT NULL)");
                s.execute("CREATE INDEX floor_q_ready ON floor_q (id) WHERE NOT leased");
                s.execute("SET enable_seqscan = off");
            }
            push = w.prepareStatement("INSERT INTO floor_q (vt, payload) SELECT 0, p FROM unnest(?::bytea[]) AS u(p)");
            pop = w.prepareStatement("WITH c AS (SELECT id FROM floor_q WHERE NOT leased ORDER BY id LIMIT 100 "
                    + "FOR UPDATE SKIP LOCKED) UPDATE floor_q q SET leased = true, attempts = q.attempts + 1, "
                    + "vt = 30000 FROM c WHERE q.id = c.id RETURNING q.id, q.attempts, q.payload");
            ack = w.prepareStatement("DELETE FROM floor_q q USING unnest(?::bigint[], ?::int[]) AS r(id, f) "
                    + "WHERE q.id = ANY (?::bigint[]) AND q.id = r.id AND q.attempts = r.f AND q.leased");
        }

        long[] round(Connection c) throws SQLException {
            long t0 = backendsCpu(c);
            push.setArray(1, w.createArrayOf("bytea", payloads));
            push.executeUpdate();
            long t1 = backendsCpu(c);
            List<Long> ids = new ArrayList<>();
            List<Integer> fences = new ArrayList<>();
            try (ResultSet rs = pop.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                    fences.add(rs.getInt(2));
                    rs.getBytes(3);
                }
            }
            long t2 = backendsCpu(c);
            var idArr = w.createArrayOf("int8", ids.toArray());
            ack.setArray(1, idArr);
            ack.setArray(2, w.createArrayOf("int4", fences.toArray()));
            ack.setArray(3, idArr);
            assertThat(ack.executeUpdate()).isEqualTo(BATCH);
            return new long[] {t1 - t0, t2 - t1, backendsCpu(c) - t2};
        }

        @Override
        public void close() throws SQLException {
            push.close();
            pop.close();
            ack.close();
        }
    }

    private static List<Delivery> pushAndPop(PostgresBroker b, List<NewMessage> batch) throws Exception {
        get(b.push("q", batch));
        List<Delivery> got = get(b.pop("q", new PopRequest("default", BATCH, 0, 0)));
        assertThat(got).hasSize(BATCH);
        return got;
    }

    private static void ack(PostgresBroker b, List<Delivery> got) throws Exception {
        get(b.ack("q", new AckRequest("default", Receipts.of(got), Optional.empty())));
    }
}
