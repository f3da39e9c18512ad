package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Two real server processes on one real PostgreSQL: both start at once on an empty database
 * (concurrent migrations), producers push on one, consumers pop on both. The cross-server wake-up
 * latency is checked by {@link SingleOperationLatencyTest}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TwoServersTest {
    private static Pg pg;
    private static String url;
    private static ServerProcess a;
    private static ServerProcess b;
    private static Api onA;
    private static Api onB;

    @BeforeAll
    static void start() {
        pg = Pg.start(false);
        url = pg.newDatabase("two") + "?connect_timeout_ms=10000"; // a busy machine can take seconds to log in
        // launched together: both find an empty database and race to migrate it
        a = ServerProcess.launch("two-a", url);
        b = ServerProcess.launch("two-b", url);
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
        onA = new Api(a, Duration.ofSeconds(30));
        onB = new Api(b, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        int codeA = a == null ? 0 : a.terminate();
        int codeB = b == null ? 0 : b.terminate();
        if (pg != null) {
            pg.close();
        }
        assertThat(codeA).as("exit code of A after SIGTERM").isZero();
        assertThat(codeB).as("exit code of B after SIGTERM").isZero();
    }

    @Test
    void serversStartingTogetherApplyEachMigrationOnce() throws Exception {
        int versions;
        String db = url.substring(url.lastIndexOf('/') + 1).replaceFirst("\\?.*$", "");
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT version), max(version) "
                        + "FROM spool_schema_version")) {
            rs.next();
            // each version once: the baseline (11) and any versioned script after it
            assertThat(rs.getInt(1)).isEqualTo(rs.getInt(2));
            assertThat(rs.getInt(3)).isGreaterThanOrEqualTo(11);
            versions = rs.getInt(1);
        }
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM spool_schema_functions")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the functions applied once").isEqualTo(1);
        }
        // a third server, configured by a file, on the migrated database: changes nothing and serves
        java.nio.file.Path conf = java.nio.file.Files.createTempFile("spool-it", ".conf");
        java.nio.file.Files.writeString(conf, "# PostgreSQL storage from the config file\nstorage: \"" + url + "\"\n");
        try (ServerProcess c = ServerProcess.launch("two-c", null, "--config", conf.toString())
                .awaitReady(Duration.ofSeconds(60))) {
            Api api = new Api(c, Duration.ofSeconds(10));
            assertThat(api.call("GET", "/readyz", null).body().path("detail").asText()).contains("postgresql");
            api.putQueue("from-c", Map.of());
            assertThat(onA.call("GET", "/v1/queues/from-c", null).status()).isEqualTo(200);
        }
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM spool_schema_version")) {
            rs.next();
            assertThat(rs.getInt(1)).as("nothing applied twice").isEqualTo(versions);
        }
    }

    @Test
    void aServerRefusesToStartWhenItsDatabaseIsUnreachable() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ServerProcess dead = ServerProcess.launch("two-unreachable",
                "postgresql://postgres@127.0.0.1:" + closedPort + "/nowhere?connect_timeout_ms=500");
        assertThat(dead.waitForExit(Duration.ofSeconds(60))).as("exit code").isEqualTo(1);
        assertThat(java.nio.file.Files.readString(dead.log())).contains("unreachable").doesNotContain("Exception");
    }

    /**
     * 3 000 keyed messages pushed on A; two consumers on A and two on B. Leases are long (60 s), so
     * each message must be delivered exactly once; at most one message of a key is in flight at any
     * time, and each key's messages arrive in push order, across both servers.
     */
    @Test
    void consumersOnBothServersShareTheWorkExactlyOnceInKeyOrder() throws Exception {
        String q = "shared";
        onA.putQueue(q, Map.of("visibility_timeout_ms", 60_000));
        int keys = 24;
        int perKey = 125;
        int total = keys * perKey;
        Set<String> pushed = ConcurrentHashMap.newKeySet();
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        Set<String> keysInFlight = ConcurrentHashMap.newKeySet();
        Map<String, List<Integer>> orderByKey = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger acked = new AtomicInteger();
        Map<String, AtomicInteger> perServer = Map.of("two-a", new AtomicInteger(), "two-b", new AtomicInteger());
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> tasks = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int producer = p;
                tasks.add(pool.submit(() -> {
                    // producer p owns the keys k with k % 2 == p, so each key's push order is its seq order
                    for (int seq = 0; seq < perKey; seq += 5) {
                        List<ObjectNode> batch = new ArrayList<>();
                        for (int k = producer; k < keys; k += 2) {
                            for (int s = seq; s < seq + 5; s++) {
                                batch.add(Api.message(Map.of("key", k, "seq", s), "k" + k));
                            }
                        }
                        pushed.addAll(onA.push(q, batch));
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            for (Api api : List.of(onA, onA, onB, onB)) {
                tasks.add(pool.submit(() -> {
                    while (acked.get() < total && System.nanoTime() < deadline) {
                        List<Api.Leased> got = api.pop(q, 10, 300, 0);
                        List<String> receipts = new ArrayList<>();
                        for (Api.Leased m : got) {
                            if (!delivered.add(m.id())) {
                                violations.add("delivered twice: " + m.id() + " (attempt " + m.attempts() + ")");
                            }
                            if (!keysInFlight.add(m.key())) {
                                violations.add("two messages of key " + m.key() + " in flight");
                            }
                            orderByKey.computeIfAbsent(m.key(), k -> Collections.synchronizedList(new ArrayList<>()))
                                    .add(m.payload().get("seq").asInt());
                            perServer.get(api.server().name()).incrementAndGet();
                            receipts.add(m.receipt());
                        }
                        for (Api.Leased m : got) {
                            keysInFlight.remove(m.key());
                        }
                        if (!receipts.isEmpty()) {
                            List<String> statuses = api.ack(q, receipts);
                            assertThat(statuses).containsOnly("ok");
                            acked.addAndGet(receipts.size());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> t : tasks) {
                t.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(violations).isEmpty();
        assertThat(pushed).hasSize(total);
        assertThat(delivered).isEqualTo(pushed);
        assertThat(orderByKey).hasSize(keys);
        for (List<Integer> seqs : orderByKey.values()) {
            assertThat(seqs).hasSize(perKey).isSorted();
        }
        assertThat(perServer.get("two-a").get()).as("deliveries through A").isPositive();
        assertThat(perServer.get("two-b").get()).as("deliveries through B").isPositive();
        assertThat(onB.stats(q).get("ready").asLong()).isZero();
        assertThat(onB.stats(q).get("in_flight").asLong()).isZero();
    }
}
