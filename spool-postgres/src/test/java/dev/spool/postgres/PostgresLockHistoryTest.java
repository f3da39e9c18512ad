package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerSettings;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;

/**
 * The history check of locks on PostgreSQL with two servers, one of which dies: clients in this JVM
 * (one broker) and in a child JVM (another broker on the same database) acquire, write a fenced
 * resource and the lock state, keep alive, release or abandon their leases, while the child is
 * killed with SIGKILL halfway. From the events of both ({@link LockHistoryWorker}) and the database
 * afterwards it checks: no token was issued twice per name, tokens grow with grant time, no lease
 * was granted while an earlier one of the same name was still valid and not released, the fenced
 * resource accepted tokens in order only, and every acknowledged state write is the current
 * document or was superseded by a later write. {@code -Dspool.test.lockHistorySeconds=60} runs it
 * longer (default 6 s).
 */
@Timeout(180)
class PostgresLockHistoryTest {
    private static final List<String> NAMES = List.of("alpha", "beta", "gamma");

    /** One event line split in fields. */
    private record Ev(String kind, String name, long token, String[] f) {
        static Ev parse(String line) {
            String[] f = line.split(" ");
            return new Ev(f[0], f[1], Long.parseLong(f[2]), f);
        }

        long num(int i) {
            return Long.parseLong(f[i]);
        }

        @Override
        public String toString() {
            return String.join(" ", f);
        }
    }

    @Test
    void shouldKeepTokensFencesAndStateConsistentWhenOneOfTwoServersIsKilled() throws Exception {
        long seconds = Long.getLong("spool.test.lockHistorySeconds", 6);
        // a busy machine can take more than the test default of 1 s to open a connection for a new JVM
        String url = TestPostgres.newDatabaseUrl("lockhistory").replace("connect_timeout_ms=1000",
                "connect_timeout_ms=20000");
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        try (PostgresBroker a = PostgresBroker.open(PostgresConfig.parse(url), BrokerSettings.DEFAULTS);
                Connection res = LockHistoryWorker.resource(url); Statement s = res.createStatement()) {
            s.execute("CREATE TABLE fenced (name text PRIMARY KEY, token bigint NOT NULL)");
            s.execute("CREATE TABLE fenced_log (seq bigserial PRIMARY KEY, name text NOT NULL, token bigint NOT NULL)");
            for (String n : NAMES) {
                s.execute("INSERT INTO fenced VALUES ('" + n + "', 0)");
            }
            Path log = Files.createTempFile("spool-lock-history", ".log");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), LockHistoryWorker.class.getName(), url,
                    "child", Long.toString(seconds * 2 + 60), "3", "7", NAMES.get(0), NAMES.get(1), NAMES.get(2))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // the child's clients start working once its JVM and broker are up
            long ready = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("EV G ")) {
                assertThat(child.isAlive() && System.nanoTime() < ready).as("child started; its output: %s", log)
                        .isTrue();
                child.waitFor(50, TimeUnit.MILLISECONDS);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                threads.add(Thread.ofPlatform().start(new LockHistoryWorker(a, url, "parent-" + i, NAMES, end, 11 + i,
                        events::add)));
            }
            // SIGKILL halfway, with its clients in the middle of whatever they do
            assertThat(child.waitFor(seconds * 500, TimeUnit.MILLISECONDS)).as("child still running").isFalse();
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            for (Thread t : threads) {
                t.join();
            }
            List<String> childEvents = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("EV ")) {
                    childEvents.add(line.substring(3));
                }
            }
            Files.deleteIfExists(log);
            // the survivor serves every lock once the dead server's leases ended
            for (String n : NAMES) {
                LockLease l = a.acquireLock(n, new LockRequest("after", 1000, 5000)).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                events.add("G " + n + " " + l.token() + " " + l.expiresAt() + " 1000 after");
                a.releaseLock(n, l.fence()).toCompletableFuture().get(30, TimeUnit.SECONDS);
                events.add("U " + n + " " + l.token());
            }
            List<Ev> all = new ArrayList<>();
            for (String e : events) {
                all.add(Ev.parse(e));
            }
            for (String e : childEvents) {
                all.add(Ev.parse(e));
            }
            check(a, res, all, childEvents.size());
        }
    }

    private static void check(PostgresBroker a, Connection res, List<Ev> all, int childEvents) throws Exception {
        Map<String, List<Ev>> grants = new HashMap<>();
        Map<String, Long> expiry = new HashMap<>();
        Set<String> releasing = new HashSet<>();
        for (Ev e : all) {
            String key = e.name() + "#" + e.token();
            switch (e.kind()) {
                case "G" -> {
                    grants.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e);
                    expiry.put(key, e.num(3));
                }
                case "K" -> expiry.merge(key, e.num(3), Math::max);
                case "u" -> releasing.add(key);
                default -> { }
            }
        }
        int total = 0;
        for (String n : NAMES) {
            List<Ev> g = new ArrayList<>(grants.getOrDefault(n, List.of()));
            g.sort((x, y) -> Long.compare(x.token(), y.token()));
            total += g.size();
            checkGrants(n, g, expiry, releasing);
            long lastToken = a.getLock(n).toCompletableFuture().get(30, TimeUnit.SECONDS).lastToken();
            assertThat(lastToken).isGreaterThanOrEqualTo(g.isEmpty() ? 0 : g.get(g.size() - 1).token());
            checkState(n, a.getLockState(n).toCompletableFuture().get(30, TimeUnit.SECONDS), all);
            checkFencedResource(n, res);
        }
        assertThat(childEvents).as("the killed server's clients worked before the kill").isPositive();
        assertThat(total).isGreaterThan(NAMES.size() * 2);
        System.out.println("lock history: " + total + " grants, " + childEvents + " events from the killed server");
    }

    /** Tokens unique and growing with grant time; no grant while an earlier lease was valid and not being released. */
    private static void checkGrants(String n, List<Ev> byToken, Map<String, Long> expiry, Set<String> releasing) {
        for (int i = 1; i < byToken.size(); i++) {
            Ev prev = byToken.get(i - 1);
            Ev cur = byToken.get(i);
            assertThat(cur.token()).as("token issued twice on %s", n).isGreaterThan(prev.token());
            long prevGrant = prev.num(3) - prev.num(4);
            long curGrant = cur.num(3) - cur.num(4);
            assertThat(curGrant).as("tokens grow with grant time on %s: %s then %s", n, prev, cur)
                    .isGreaterThanOrEqualTo(prevGrant);
            String prevKey = n + "#" + prev.token();
            if (!releasing.contains(prevKey)) {
                assertThat(curGrant).as("granted %s while %s's lease was valid", cur, prev)
                        .isGreaterThanOrEqualTo(expiry.get(prevKey));
            }
        }
    }

    /** Every acknowledged state write is the current document or superseded by a later version. */
    private static void checkState(String n, LockState st, List<Ev> all) {
        List<Ev> writes = new ArrayList<>();
        for (Ev e : all) {
            if (e.kind().equals("S") && e.name().equals(n)) {
                writes.add(e);
            }
        }
        writes.sort((x, y) -> Long.compare(x.num(3), y.num(3)));
        for (int i = 1; i < writes.size(); i++) {
            assertThat(writes.get(i).num(3)).as("state version acknowledged twice")
                    .isGreaterThan(writes.get(i - 1).num(3));
            assertThat(writes.get(i).token()).as("a later state write by an older token")
                    .isGreaterThanOrEqualTo(writes.get(i - 1).token());
        }
        if (writes.isEmpty()) {
            return;
        }
        Ev last = writes.get(writes.size() - 1);
        assertThat(st.info().version()).as("every acknowledged write present or superseded")
                .isGreaterThanOrEqualTo(last.num(3));
        if (st.info().version() == last.num(3)) {
            assertThat(st.payload().asUtf8()).isEqualTo(last.f()[4]);
        }
    }

    /** The resource accepted tokens of a name in order only. */
    private static void checkFencedResource(String n, Connection res) throws Exception {
        long prevToken = 0;
        try (Statement s = res.createStatement();
                ResultSet rs = s.executeQuery("SELECT token FROM fenced_log WHERE name = '" + n + "' ORDER BY seq")) {
            while (rs.next()) {
                assertThat(rs.getLong(1)).as("fenced resource accepted an older token")
                        .isGreaterThanOrEqualTo(prevToken);
                prevToken = rs.getLong(1);
            }
        }
    }
}
