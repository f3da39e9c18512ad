package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;

/**
 * The receipt statements stay primary-key probes on a busy queue whatever the planner's
 * statistics say (V7, V9, V10). A fresh database has no statistics, which is when the planner used
 * to answer an ack, nack or extend of 100 receipts, or a waiting pop's "next due", by reading every
 * leased delivery of the group. Each statement runs on its own connection in a transaction that
 * is rolled back, and the index entries it read are counted ({@code pg_stat_get_xact_tuples_returned}
 * of each index of spool_deliveries, this transaction only).
 */
class PostgresPlansTest {
    private static final int LEASED = 5_000;
    private static final int RECEIPTS = 100;
    /**
     * A statement reads a few entries per row it names (the row's dead versions, one probe per
     * step of a nack), never a walk of the leased rows: the bad plans read at least LEASED.
     */
    private static final long BOUND = 2_000;

    @Test
    void receiptsAndNextDueReadOnlyTheEntriesTheyNameWithThousandsLeased() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("plans");
        List<Delivery> leased = new ArrayList<>();
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            broker.putQueue("busy", QueueConfig.DEFAULTS).toCompletableFuture().get();
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add(NewMessage.of(new byte[16]));
            }
            for (int i = 0; i < LEASED / batch.size(); i++) {
                broker.push("busy", batch).toCompletableFuture().get();
            }
            while (leased.size() < LEASED) {
                List<Delivery> got = broker.pop("busy", new PopRequest("default", 500, 600_000, 0))
                        .toCompletableFuture().get();
                assertThat(got).isNotEmpty();
                leased.addAll(got);
            }
        }
        StringBuilder ids = new StringBuilder("{");
        StringBuilder fences = new StringBuilder("{");
        for (int i = 0; i < RECEIPTS; i++) {
            ids.append(i == 0 ? "" : ",").append(leased.get(i).id());
            fences.append(i == 0 ? "" : ",").append(leased.get(i).attempts());
        }
        String receipts = "'busy', 'default', (SELECT g.id FROM spool_groups g JOIN spool_queues q ON q.id = g.queue_id "
                + "WHERE q.name = 'busy' AND g.name = 'default'), '" + ids + "}'::bigint[], '" + fences + "}'::int[]";

        // first: the rolled-back writes below leave dead entries at the head of spool_deliveries_due
        assertThat(entriesRead(config, "SELECT spool_next_due('busy', 'default')", false))
                .as("index entries a waiting pop's next-due probe reads with %d leased", LEASED)
                .isLessThan(10);
        assertThat(entriesRead(config, "SELECT spool_ack(" + receipts + ", NULL, NULL)", true))
                .as("index entries an ack of %d receipts reads with %d leased", RECEIPTS, LEASED)
                .isLessThan(BOUND);
        assertThat(entriesRead(config, "SELECT spool_nack(" + receipts + ", 0, NULL)", true))
                .isLessThan(BOUND);
        assertThat(entriesRead(config, "SELECT spool_extend(" + receipts + ", 60000)", true))
                .isLessThan(BOUND);
    }

    /**
     * Runs {@code sql} in a transaction that is rolled back and returns the index entries of
     * spool_deliveries it read; checks that every receipt answered ok when {@code allOk} says so.
     */
    private static long entriesRead(PostgresConfig config, String sql, boolean allOk) throws SQLException {
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password().orElse(""))) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    assertThat(rs.next()).isTrue();
                    if (allOk) {
                        assertThat(rs.getString(1)).as(sql).isEqualTo("{" + "0,".repeat(RECEIPTS - 1) + "0}");
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0) "
                        + "FROM pg_index WHERE indrelid = 'spool_deliveries'::regclass");
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } finally {
                c.rollback();
            }
        }
    }

    /** How much the planner knows about the queue tables when the hot statements run. */
    enum Statistics {
        /** Never analysed: a fresh database before autovacuum's first visit. */
        ABSENT,
        /** Analysed when the queue held 100 messages, then loaded: the planner thinks the tables are tiny. */
        STALE,
        /** Analysed after loading. */
        FRESH
    }

    /**
     * Every hot statement keeps index plans whatever the statistics say, on a queue of
     * {@code -Dspool.test.planRows} messages (default 100 000; the first 10 000 keyed, one message per key) with 5 000 leased:
     * no sequential scan of the queue tables, and a bounded number of index entries read (a walk
     * of the leased rows or of the queue reads thousands). Autovacuum is off for the queue tables
     * so the test owns their statistics; the tables are vacuumed after loading (not analysed, but
     * for FRESH), so a pop does not walk the dead ready-index entries of the 5 000 rows the loading
     * leased, a cost every pop pays until the next vacuum, whatever the plan. Each statement runs
     * twice in a transaction that is rolled back, the second run measured; its time is printed, and
     * a failure shows the plans of every statement it ran.
     */
    @ParameterizedTest
    @EnumSource(Statistics.class)
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void shouldKeepEveryHotStatementOnIndexesWhateverTheStatisticsSay(Statistics stats) throws Exception {
        int rows = Integer.getInteger("spool.test.planRows", 100_000);
        PostgresConfig config = TestPostgres.newDatabase("plans_" + stats.name());
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            broker.putQueue("busy", QueueConfig.DEFAULTS).toCompletableFuture().get();
        }
        long loadStart = System.nanoTime();
        try (Connection c = session(config); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE spool_deliveries SET (autovacuum_enabled = false)");
            s.execute("ALTER TABLE spool_messages SET (autovacuum_enabled = false)");
            if (stats == Statistics.STALE) {
                s.execute(load(100, false));
                s.execute("SELECT count(*) FROM spool_pop('busy', 'default', false, 50, 600000)");
                s.execute("ANALYZE spool_deliveries, spool_messages");
            }
            for (int done = 0; done < rows; done += 10_000) {
                s.execute(load(Math.min(10_000, rows - done), done == 0));
            }
            s.execute("SELECT count(*) FROM spool_pop('busy', 'default', false, " + LEASED + ", 600000)");
            // VACUUM without ANALYZE leaves the column statistics as they are; INDEX_CLEANUP ON because
            // by default it leaves the index entries alone when under 2 % of the pages changed
            s.execute(stats == Statistics.FRESH ? "VACUUM (ANALYZE, INDEX_CLEANUP ON) spool_deliveries, spool_messages"
                    : "VACUUM (INDEX_CLEANUP ON) spool_deliveries, spool_messages");
            if (stats == Statistics.ABSENT) {
                // and forgets the table sizes VACUUM recorded: -1 is "never vacuumed or analysed"
                s.execute("UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 "
                        + "WHERE oid IN ('spool_deliveries'::regclass, 'spool_messages'::regclass)");
            }
        }
        String receipts = receipts(config);
        Map<String, String> hot = new LinkedHashMap<>();
        hot.put("push 100 keyed", "SELECT spool_push('busy', false, " + bodies(100, true) + ")");
        hot.put("pop 100", "SELECT count(*) FROM spool_pop('busy', 'default', false, 100, 30000)");
        hot.put("ack 100", "SELECT spool_ack(" + receipts + ", NULL, NULL)");
        hot.put("ack 100 with result", "SELECT spool_ack(" + receipts + ", '\\x01'::bytea, 'text/plain')");
        hot.put("nack 100", "SELECT spool_nack(" + receipts + ", 0, NULL)");
        hot.put("extend 100", "SELECT spool_extend(" + receipts + ", 60000)");
        hot.put("next due", "SELECT spool_next_due('busy', 'default')");
        hot.put("task view", "SELECT count(*) FROM spool_get('busy', 'default', " + (rows / 2) + ")");
        StringBuilder report = new StringBuilder();
        for (Map.Entry<String, String> e : hot.entrySet()) {
            Reads r = reads(config, e.getValue());
            report.append(String.format("  %-20s %8.2f ms  %6d index entries  %d seq scans%n", e.getKey(), r.ms(),
                    r.indexEntries(), r.seqScans()));
            assertThat(r.seqScans()).as("%s, statistics %s: sequential scans of the queue tables; plans:%s", e.getKey(),
                    stats, r.plans()).isZero();
            assertThat(r.indexEntries()).as("%s, statistics %s: index entries read; plans:%s", e.getKey(), stats,
                    r.plans()).isLessThan(BOUND);
        }
        System.out.printf("hot statements, statistics %s, %d messages (%d leased, loaded in %.1f s):%n%s", stats, rows,
                LEASED, (System.nanoTime() - loadStart) / 1e9, report);
    }

    /** What one statement read of the queue tables, and how long it took. */
    private record Reads(long indexEntries, long seqScans, double ms, String plans) {
    }

    /**
     * The plans of every statement {@code sql} runs, nested ones included (auto_explain, sent back
     * as notices), from a third run in a transaction of its own that is rolled back: the failure
     * message shows them.
     */
    private static String plans(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LOAD 'auto_explain'");
            s.execute("SET LOCAL auto_explain.log_min_duration = 0");
            s.execute("SET LOCAL auto_explain.log_nested_statements = on");
            s.execute("SET LOCAL auto_explain.log_analyze = on");
            s.execute("SET LOCAL auto_explain.log_timing = off");
            s.execute("SET LOCAL auto_explain.log_level = 'notice'");
            s.execute("SET LOCAL client_min_messages = 'notice'");
            s.clearWarnings();
            s.execute(sql);
            StringBuilder out = new StringBuilder();
            for (java.sql.SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                out.append('\n').append(w.getMessage());
            }
            c.rollback();
            return out.toString();
        }
    }

    private static Reads reads(PostgresConfig config, String sql) throws SQLException {
        try (Connection c = session(config)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(sql);
                c.rollback();
                long t0 = System.nanoTime();
                s.execute(sql);
                double ms = (System.nanoTime() - t0) / 1e6;
                try (ResultSet rs = s.executeQuery("SELECT "
                        + "(SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0) FROM pg_index "
                        + "  WHERE indrelid IN ('spool_deliveries'::regclass, 'spool_messages'::regclass)), "
                        // of a table, numscans counts its sequential scans (pg_stat_xact_user_tables.seq_scan)
                        + "pg_stat_get_xact_numscans('spool_deliveries'::regclass) "
                        + "  + pg_stat_get_xact_numscans('spool_messages'::regclass)")) {
                    rs.next();
                    long entries = rs.getLong(1);
                    long seqScans = rs.getLong(2);
                    c.rollback();
                    return new Reads(entries, seqScans, ms, plans(c, sql));
                }
            } finally {
                c.rollback();
            }
        }
    }

    /** A connection with the broker's session settings (the functions read {@code spool.settings}). */
    private static Connection session(PostgresConfig config) throws SQLException {
        Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password().orElse(""));
        try (PreparedStatement ps = c.prepareStatement(Sql.get("settings"))) {
            ps.setString(1, Codec.settingsGuc(BrokerSettings.DEFAULTS));
            ps.execute();
        }
        return c;
    }

    /** 100 receipts of leased messages, as the first four arguments of ack, nack and extend. */
    private static String receipts(PostgresConfig config) throws SQLException {
        try (Connection c = session(config); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT array_agg(msg_id ORDER BY msg_id), array_agg(attempts ORDER BY msg_id) "
                        + "FROM (SELECT msg_id, attempts FROM spool_deliveries WHERE state = 3 ORDER BY msg_id LIMIT "
                        + RECEIPTS + ") x")) {
            rs.next();
            return "'busy', 'default', (SELECT g.id FROM spool_groups g JOIN spool_queues q ON q.id = g.queue_id "
                    + "WHERE q.name = 'busy' AND g.name = 'default'), '" + rs.getString(1) + "'::bigint[], '"
                    + rs.getString(2) + "'::int[]";
        }
    }

    private static String load(int n, boolean keyed) {
        return "SELECT spool_push('busy', false, " + bodies(n, keyed) + ")";
    }

    /** The arrays of a push of n 16-byte messages, keyed by 10 000 keys or not keyed. */
    private static String bodies(int n, boolean keyed) {
        String fill = "ARRAY[" + n + "])";
        String keys = keyed ? "ARRAY(SELECT 'k' || (i % 10000) FROM generate_series(1, " + n + ") i)"
                : "array_fill(NULL::text, " + fill;
        return "array_fill('\\x00000000000000000000000000000000'::bytea, " + fill + ", array_fill(16::bigint, " + fill
                + ", array_fill('application/octet-stream'::text, " + fill + ", '{}'::text[], array_fill(1, " + fill + ", array_fill(0, " + fill
                + ", " + keys + ", array_fill(0, " + fill + ", array_fill(NULL::text, " + fill
                + ", array_fill(0::bigint, " + fill + ", array_fill(0::bigint, " + fill + ", array_fill(0::bigint, " + fill
                + ", array_fill(NULL::text, " + fill + ", false";
    }
}
