package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.postgres.PostgresBroker;
import dev.spool.postgres.PostgresConfig;

/**
 * Where the database time of push + pop + ack goes, without HTTP: the broker in this JVM drives
 * PostgreSQL (pg_stat_statements with nested statements tracked) for a fixed time, then the hot
 * statements inside the SQL functions are run under {@code EXPLAIN (ANALYZE, BUFFERS)} against a
 * realistic backlog. A measurement, not a check (tag {@code perf}):
 *
 * <pre>
 * ./mvnw -o -pl spool-it verify -Dspool.excludedGroups=none -Dtest=PostgresStatementsTest
 * </pre>
 *
 * Writes its report to {@code target/it-results/postgres-statements.txt}.
 */
@Tag("perf")
class PostgresStatementsTest {
    private static final int BATCH = 100;

    @Test
    void profileAndExplainTheHotPath() throws Exception {
        int seconds = Integer.getInteger("spool.it.seconds", 15);
        int loops = Integer.getInteger("spool.it.loops", 4);
        StringBuilder report = new StringBuilder();
        Path pgLog = Path.of("target", "it-results", "pg-log").toAbsolutePath();
        Files.createDirectories(pgLog);
        try (Pg pg = Pg.start(true, Map.of("shared_preload_libraries", "pg_stat_statements,auto_explain",
                "pg_stat_statements.track", "all", "pg_stat_statements.track_planning", "on", "auto_explain.log_min_duration", System.getProperty("spool.it.explainMs", "-1"),
                "auto_explain.log_nested_statements", "on", "logging_collector", "on",
                "log_directory", pgLog.toString(), "log_filename", "postgresql.log"))) {
            String url = pg.newDatabase("stmts");
            String db = url.substring(url.lastIndexOf('/') + 1);
            try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION pg_stat_statements");
            }
            PostgresConfig config = PostgresConfig.parse(url + "?pool_size=" + Integer.getInteger("spool.it.poolSize", 8));
            try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
                broker.putQueue("hot", QueueConfig.DEFAULTS).toCompletableFuture().get();
                byte[] payload = new byte[1024];
                List<NewMessage> batch = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    batch.add(NewMessage.of(payload));
                }
                try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
                    s.execute("SELECT pg_stat_statements_reset()");
                }
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicLong acked = new AtomicLong();
                AtomicLong pushed = new AtomicLong();
                List<CompletableFuture<Void>> done = new ArrayList<>();
                for (int i = 0; i < loops; i++) {
                    done.add(pushLoop(broker, batch, running, pushed, acked));
                    done.add(consumeLoop(broker, running, acked));
                }
                Map<String, Integer> waits = new java.util.TreeMap<>();
                int samples = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
                    // the measurement window, sampling what the request connections are doing every 50 ms
                    while (System.nanoTime() < end) {
                        try (ResultSet rs = s.executeQuery("SELECT coalesce(wait_event_type || ':' || wait_event, "
                                + "'on CPU'), state FROM pg_stat_activity WHERE application_name = 'spool' "
                                + "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
                            while (rs.next()) {
                                String k = "active".equals(rs.getString(2)) ? rs.getString(1) : "idle (" + rs.getString(1) + ")";
                                waits.merge(k, 1, Integer::sum);
                            }
                        }
                        samples++;
                        TimeUnit.MILLISECONDS.sleep(50);
                    }
                }
                long a = acked.get();
                long p = pushed.get();
                running.set(false);
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                report.append(String.format("in-process (no HTTP): %d push loops + %d pop/ack loops, batch %d x 1 KiB, "
                        + "pool_size %d: %.0f msg/s acked, %.0f msg/s pushed over %d s%n%n", loops, loops, BATCH,
                        config.poolSize(), a / (double) seconds, p / (double) seconds, seconds));
                report.append("request connections, sampled ").append(samples).append(" times (connection-samples):\n");
                waits.forEach((k, v) -> report.append(String.format("%8d  %s%n", v, k)));
                report.append('\n');
                try (Connection c = pg.connect(db); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, "
                                + "round(mean_exec_time::numeric, 3) AS mean_ms, rows, "
                                + "round(total_plan_time::numeric, 1) AS plan_ms, "
                                + "left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query "
                                + "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25")) {
                    report.append("pg_stat_statements (nested statements included), by total execution time:\n"
                            + "   calls   total exec   mean exec      rows   total plan  statement\n");
                    while (rs.next()) {
                        report.append(String.format("%8d %10s ms %9s ms %9d %10s ms  %s%n", rs.getLong(1), rs.getString(2),
                                rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6)));
                    }
                }
                try (Connection c = pg.connect(db); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT indexrelname, idx_scan, idx_tup_read, idx_tup_fetch, "
                                + "round(idx_tup_read::numeric / greatest(idx_scan, 1), 1) FROM pg_stat_user_indexes "
                                + "WHERE idx_scan > 0 ORDER BY idx_tup_read DESC")) {
                    report.append("\nindex use (entries read per scan: a scan that walks dead or leased entries shows here):\n"
                            + "     scans  entries read  rows fetched  read/scan  index\n");
                    while (rs.next()) {
                        report.append(String.format("%10d %13d %13d %10s  %s%n", rs.getLong(2), rs.getLong(3), rs.getLong(4),
                                rs.getString(5), rs.getString(1)));
                    }
                }
                explain(pg, db, broker, batch, report);
            }
        }
        Path out = Path.of("target", "it-results", "postgres-statements.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
    }

    private static CompletableFuture<Void> pushLoop(PostgresBroker broker, List<NewMessage> batch,
            AtomicBoolean running, AtomicLong pushed, AtomicLong acked) {
        if (!running.get()) {
            return CompletableFuture.completedFuture(null);
        }
        if (pushed.get() - acked.get() > 20_000) {
            // backlog bound: let the consumers catch up
            return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> pushLoop(broker, batch, running, pushed, acked));
        }
        return broker.push("hot", batch).toCompletableFuture().thenCompose(ids -> {
            pushed.addAndGet(ids.length);
            return pushLoop(broker, batch, running, pushed, acked);
        });
    }

    private static CompletableFuture<Void> consumeLoop(PostgresBroker broker, AtomicBoolean running, AtomicLong acked) {
        if (!running.get()) {
            return CompletableFuture.completedFuture(null);
        }
        return broker.pop("hot", new PopRequest("default", BATCH, 0, 200)).toCompletableFuture()
                .thenCompose((List<Delivery> got) -> got.isEmpty() ? CompletableFuture.completedFuture(null)
                        : broker.ack("hot", AckRequest.of(Receipts.of(got))).toCompletableFuture().thenAccept(o -> {
                            assertThat(o.size()).isEqualTo(got.size());
                            acked.addAndGet(got.size());
                        }))
                .thenCompose(x -> consumeLoop(broker, running, acked));
    }

    /** EXPLAIN of each hot statement as the functions run it, with a backlog of 50 000 ready and 5 000 leased. */
    private static void explain(Pg pg, String db, PostgresBroker broker, List<NewMessage> batch, StringBuilder report)
            throws Exception {
        for (int i = 0; i < 500; i++) {
            broker.push("plans", batch).toCompletableFuture().get();
        }
        List<Delivery> leased = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            leased.addAll(broker.pop("plans", new PopRequest("default", BATCH, 60_000, 0)).toCompletableFuture().get());
        }
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE");
            long q = scalar(s, "SELECT id FROM spool_queues WHERE name = 'plans'");
            long g = scalar(s, "SELECT id FROM spool_groups WHERE queue_id = " + q + " AND name = 'default'");
            StringBuilder ids = new StringBuilder();
            StringBuilder fences = new StringBuilder();
            for (int i = 0; i < BATCH; i++) {
                ids.append(i == 0 ? "" : ",").append(leased.get(i).id());
                fences.append(i == 0 ? "" : ",").append(leased.get(i).attempts());
            }
            String now = "spool_now()";
            Map<String, String> plans = new java.util.LinkedHashMap<>();
            plans.put("pop: choose and lock (spool_pop)", "SELECT d.msg_id FROM spool_deliveries d WHERE d.grp_id = " + g
                    + " AND d.state = 0 AND d.expires_at - " + now + " > 0 ORDER BY d.priority DESC, d.msg_id LIMIT 100 "
                    + "FOR UPDATE SKIP LOCKED");
            plans.put("pop: whole lease statement (spool_pop)", "WITH c AS (SELECT d.msg_id FROM spool_deliveries d "
                    + "WHERE d.grp_id = " + g + " AND d.state = 0 AND d.expires_at - " + now + " > 0"
                    + " ORDER BY d.priority DESC, d.msg_id LIMIT 100 FOR UPDATE SKIP LOCKED), "
                    + "u AS (UPDATE spool_deliveries d SET state = 3, attempts = d.attempts + 1, avail_at = " + now
                    + " + 30000 FROM c WHERE d.grp_id = " + g + " AND d.msg_id = c.msg_id "
                    + "RETURNING d.msg_id, d.attempts, d.enqueued_at, d.avail_at, d.priority, d.content_type, d.payload) "
                    + "SELECT u.msg_id, u.attempts, CASE WHEN u.content_type IS NULL THEN m.payload ELSE u.payload END "
                    + "FROM u LEFT JOIN LATERAL (SELECT m.payload FROM spool_messages m WHERE u.content_type IS NULL "
                    + "AND m.queue_id = " + q + " AND m.id = u.msg_id OFFSET 0) m ON true ORDER BY u.priority DESC, u.msg_id");
            plans.put("settle check: leases and delays due (spool_settle)", "SELECT 1 FROM spool_deliveries WHERE grp_id = "
                    + g + " AND state IN (1, 3) AND avail_at <= " + now + " LIMIT 1");
            plans.put("settle check: TTL due (spool_settle)", "SELECT 1 FROM spool_deliveries WHERE grp_id = " + g
                    + " AND state IN (0, 1, 2) AND expires_at <= " + now + " LIMIT 1");
            plans.put("ack: find and lock the leases the receipts name (spool_lock_receipts)", "SELECT d.msg_id FROM "
                    + "spool_deliveries d JOIN unnest('{" + ids + "}'::bigint[], '{" + fences + "}'::int[]) AS r(id, f) "
                    + "ON d.msg_id = r.id AND d.attempts = r.f WHERE d.grp_id = " + g + " AND d.msg_id = ANY ('{" + ids
                    + "}'::bigint[]) AND d.state::int = 3 AND d.avail_at - " + now + " > 0 ORDER BY d.msg_id FOR UPDATE OF d");
            plans.put("ack: delete the deliveries (spool_ack)", "DELETE FROM spool_deliveries d WHERE d.grp_id = " + g
                    + " AND d.msg_id = ANY ('{" + ids + "}'::bigint[]) RETURNING d.msg_id, d.attempts, d.key, d.content_type IS NULL");
            plans.put("ack: drop shared bodies no group holds (spool_drop_unheld; lean rows skip it)", "DELETE FROM spool_messages m USING (SELECT DISTINCT u.id "
                    + "FROM unnest('{" + ids + "}'::bigint[]) AS u(id)) r WHERE m.queue_id = " + q + " AND m.id = r.id "
                    + "AND NOT EXISTS (SELECT 1 FROM spool_deliveries x WHERE x.grp_id = ANY (ARRAY(SELECT g.id FROM "
                    + "spool_groups g WHERE g.queue_id = " + q + ")) AND x.msg_id = m.id)");
            plans.put("ack: outcomes (spool_outcomes)", "SELECT spool_outcomes(" + g + ", '{" + ids + "}'::bigint[], '{"
                    + fences + "}'::int[], '{" + ids + "}'::bigint[], '{" + fences + "}'::int[], " + now + ")");
            plans.put("redrive and new groups: delivery rows (spool_fanout)", "INSERT INTO spool_deliveries (grp_id, msg_id, state, priority, key, "
                    + "enqueued_at, expires_at, avail_at) SELECT g.id, m.id, 0, m.priority, m.key, m.enqueued_at, "
                    + "m.expires_at, m.not_before FROM spool_messages m JOIN spool_groups g ON g.queue_id = " + q
                    + " WHERE m.queue_id = " + q + " AND m.id = ANY ('{" + ids + "}'::bigint[]) ON CONFLICT DO NOTHING");
            plans.put("waiting pop: next due (spool_next_due)", "SELECT spool_next_due('plans', 'default')");
            report.append("\nEXPLAIN (ANALYZE, BUFFERS) of the hot statements; queue 'plans' holds 45 000 ready and "
                    + "5 000 leased messages of 1 KiB (each run in a transaction that is rolled back):\n");
            c.setAutoCommit(false);
            for (Map.Entry<String, String> e : plans.entrySet()) {
                report.append("\n-- ").append(e.getKey()).append('\n');
                // each function plans with its own settings (V5, V7)
                s.execute("SET LOCAL plan_cache_mode = force_custom_plan");
                if (e.getKey().startsWith("ack")) {
                    s.execute("SET LOCAL enable_seqscan = off");
                    s.execute("SET LOCAL enable_bitmapscan = off");
                }
                if (e.getKey().startsWith("ack: find")) {
                    s.execute("SET LOCAL enable_nestloop = off");
                    s.execute("SET LOCAL enable_mergejoin = off");
                }
                if (e.getKey().startsWith("pop")) {
                    s.execute("SET LOCAL enable_bitmapscan = off");
                    s.execute("SET LOCAL enable_sort = off");
                }
                try (ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON) " + e.getValue())) {
                    while (rs.next()) {
                        report.append(rs.getString(1)).append('\n');
                    }
                }
                c.rollback();
            }
        }
    }

    private static long scalar(Statement s, String sql) throws java.sql.SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
