package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What PostgreSQL alone can do on this machine with the leanest queue there is: one table, its
 * primary key and one partial index of the ready rows; push = one INSERT of 100 rows, pop = lease
 * 100 rows with {@code FOR UPDATE SKIP LOCKED} (payloads returned), ack = one DELETE of 100 rows by
 * primary key and fence. No Spool code, no HTTP, no priorities, keys, delays, TTLs, groups,
 * notifications or lease expiry: the same batches (100 x 1 KiB) and the same bounded backlog as
 * {@link PostgresThroughputTest}, driven over JDBC from this JVM. It is the ceiling for any
 * PostgreSQL-backed queue on the machine, and the yardstick for the cost of Spool's schema.
 * A measurement, not a check (tag {@code perf}):
 *
 * <pre>
 * ./mvnw -o -pl spool-it verify -Dspool.excludedGroups=none -Dtest=PostgresFloorTest \
 *     [-Dspool.it.seconds=20] [-Dspool.it.producers=2] [-Dspool.it.consumers=2]
 * </pre>
 */
@Tag("perf")
class PostgresFloorTest {
    private static final int BATCH = 100;
    private static final int PAYLOAD = 1024;
    private static final int BACKLOG = 20_000;

    private static final String SCHEMA = """
            CREATE TABLE floor_q (
                id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                leased   boolean NOT NULL DEFAULT false,
                vt       bigint  NOT NULL,
                attempts int     NOT NULL DEFAULT 0,
                payload  bytea   NOT NULL);
            CREATE INDEX floor_q_ready ON floor_q (id) WHERE NOT leased;
            ALTER TABLE floor_q SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                                     autovacuum_vacuum_cost_delay = 0)""";
    private static final String PUSH = "INSERT INTO floor_q (vt, payload) SELECT 0, p FROM unnest(?::bytea[]) AS u(p)";
    // the limit is a literal: with a parameter the generic plan (after five runs) guesses a tenth of
    // the table and joins it by a sequential scan
    private static final String POP = """
            WITH c AS (SELECT id FROM floor_q WHERE NOT leased ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED)
            UPDATE floor_q q SET leased = true, attempts = q.attempts + 1,
                   vt = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 30000
            FROM c WHERE q.id = c.id RETURNING q.id, q.attempts, q.payload""";
    private static final String ACK = """
            DELETE FROM floor_q q USING unnest(?::bigint[], ?::int[]) AS r(id, f)
            WHERE q.id = ANY (?::bigint[]) AND q.id = r.id AND q.attempts = r.f AND q.leased""";

    /**
     * A connection that plans every statement as an index probe: a fresh table has no statistics
     * for autovacuum's first minute, and with its guesses the pop joined the table by a sequential
     * scan (20 ms instead of under 1 ms). The floor is for the best plans.
     */
    private static Connection connect(Pg pg, String db) throws java.sql.SQLException {
        Connection c = pg.connect(db);
        try (Statement s = c.createStatement()) {
            s.execute("SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; "
                    + "SET enable_mergejoin = off");
        }
        return c;
    }

    @Test
    void leanestQueueOnThisMachine() throws Exception {
        int seconds = Integer.getInteger("spool.it.seconds", 20);
        int warmup = Integer.getInteger("spool.it.warmup", 5);
        int producers = Integer.getInteger("spool.it.producers", 2);
        int consumers = Integer.getInteger("spool.it.consumers", 2);
        try (Pg pg = Pg.start(true)) {
            LoopFigures f = measure(pg, producers, consumers, warmup, seconds);
            System.out.printf("postgres floor (leanest queue, no Spool, JDBC): %d producers + %d consumers, batch %d x %d B, "
                    + "fsync on: %.0f msg/s acked, %.0f msg/s pushed (%.1f s window after %d s warm-up)%n", producers,
                    consumers, BATCH, PAYLOAD, f.rate(), f.pushed() / f.seconds(), f.seconds(), warmup);
            System.out.printf("  CPU used in the window: PostgreSQL %.1f s, client %.1f s = %.2f cores busy; "
                    + "PostgreSQL %.0f us per acked message%n", f.pgCpu(), f.clientCpu(), f.totalCpu() / f.seconds(),
                    f.perMessageUs(f.pgCpu()));
            assertThat(f.acked()).isPositive();
        }
    }

    /** Runs the floor's loop on a new database of {@code pg}: warm-up, then one measured window. */
    static LoopFigures measure(Pg pg, int producers, int consumers, int warmup, int seconds) throws Exception {
        String url = pg.newDatabase("floor");
        String db = url.substring(url.lastIndexOf('/') + 1);
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute(SCHEMA);
        }
        byte[][] payloads = new byte[BATCH][];
        for (int i = 0; i < BATCH; i++) {
            payloads[i] = new byte[PAYLOAD];
            ThreadLocalRandom.current().nextBytes(payloads[i]);
        }
        Semaphore budget = new Semaphore(BACKLOG);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong pushed = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(producers + consumers);
        List<Future<?>> tasks = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
            tasks.add(pool.submit(() -> {
                try (Connection c = connect(pg, db); PreparedStatement ps = c.prepareStatement(PUSH)) {
                    Array arr = c.createArrayOf("bytea", payloads);
                    while (running.get()) {
                        if (!budget.tryAcquire(BATCH, 100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        ps.setArray(1, arr);
                        assertThat(ps.executeUpdate()).isEqualTo(BATCH);
                        pushed.addAndGet(BATCH);
                    }
                }
                return null;
            }));
        }
        for (int i = 0; i < consumers; i++) {
            tasks.add(pool.submit(() -> {
                try (Connection c = connect(pg, db); PreparedStatement pop = c.prepareStatement(POP);
                        PreparedStatement ack = c.prepareStatement(ACK)) {
                    while (running.get()) {
                        List<Long> ids = new ArrayList<>(BATCH);
                        List<Integer> fences = new ArrayList<>(BATCH);
                        long bytes = 0;
                        try (ResultSet rs = pop.executeQuery()) {
                            while (rs.next()) {
                                ids.add(rs.getLong(1));
                                fences.add(rs.getInt(2));
                                bytes += rs.getBytes(3).length;
                            }
                        }
                        if (ids.isEmpty()) {
                            continue; // an empty pop costs a round trip, as a long poll would not
                        }
                        assertThat(bytes).isEqualTo((long) ids.size() * PAYLOAD);
                        Array idArr = c.createArrayOf("int8", ids.toArray());
                        ack.setArray(1, idArr);
                        ack.setArray(2, c.createArrayOf("int4", fences.toArray()));
                        ack.setArray(3, idArr);
                        assertThat(ack.executeUpdate()).isEqualTo(ids.size());
                        acked.addAndGet(ids.size());
                        budget.release(ids.size());
                    }
                }
                return null;
            }));
        }
        try {
            TimeUnit.SECONDS.sleep(warmup); // the measurement's schedule: warm-up, then a fixed window
            long a0 = acked.get();
            long p0 = pushed.get();
            double pg0 = Cpu.tree(pg.pid());
            double self0 = Cpu.self();
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            long a1 = acked.get();
            long p1 = pushed.get();
            double pgCpu = Cpu.tree(pg.pid()) - pg0;
            double selfCpu = Cpu.self() - self0;
            double secs = (System.nanoTime() - t0) / 1e9;
            running.set(false);
            for (Future<?> t : tasks) {
                t.get(60, TimeUnit.SECONDS);
            }
            return new LoopFigures(a1 - a0, p1 - p0, secs, pgCpu, 0, selfCpu);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }
}
