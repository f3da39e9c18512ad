package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A history checker for locks with a real crash: eight clients acquire (some waiting in line),
 * write to a fenced resource and to the lock's state, keep alive, release or walk away and let the
 * lease end, against a child JVM ({@link LockCrashChild}) that is killed with SIGKILL at a random
 * moment and restarted on the same directory. The fenced resource accepts a write only with a token
 * not below the last one it accepted. Checked:
 * <ul>
 * <li>no client ever wrote to the resource with a lease still running while a higher token had
 *     already written (two clients never both held the lock);</li>
 * <li>tokens strictly increase per name: each confirmed token is unique, above every token of an
 *     earlier process lifetime, and the recovered last token is never below a confirmed one;</li>
 * <li>every acknowledged state write is present after a restart or superseded by a later write;</li>
 * <li>within a process lifetime, acquires granted on a name got their tokens in arrival order.</li>
 * </ul>
 * {@code ./mvnw verify} runs {@value #DEFAULT_KILLS} kills; the long form is
 * {@code ./mvnw -o -pl spool-embedded -am verify -Dtest=LockCrashTest -Dspool.lockcrash.kills=200
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(value = 7200, unit = TimeUnit.SECONDS)
class LockCrashTest {
    private static final Logger LOG = LoggerFactory.getLogger(LockCrashTest.class);
    private static final int DEFAULT_KILLS = 3;
    private static final int CLIENTS = 8;
    private static final String[] NAMES = {"ka", "kb", "kc"};

    @TempDir
    Path dir;

    private final Random random = new Random();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    /** Per name: the last token the fenced resource accepted. */
    private final Map<String, Long> resource = new HashMap<>();
    /** Per name: every confirmed token; the highest token of earlier lifetimes (or recovered). */
    private final Map<String, Set<Long>> tokens = new HashMap<>();
    private final Map<String, Long> before = new HashMap<>();
    /** Per name, this lifetime: {arrival, token} of each confirmed grant. */
    private final Map<String, List<long[]>> grants = new HashMap<>();
    /** Per name: the confirmed state {version, text} with the highest version; texts sent, unconfirmed. */
    private final Map<String, Object[]> state = new HashMap<>();
    private final Map<String, Set<String>> maybeState = new HashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final java.util.concurrent.CountDownLatch violationSeen = new java.util.concurrent.CountDownLatch(1);
    private long confirmedGrants;
    private long refusedResourceWrites;

    @Test
    void shouldKeepLockHistoryConsistentAcrossSigkills() throws Exception {
        int kills = Integer.getInteger("spool.lockcrash.kills", DEFAULT_KILLS);
        long seed = Long.getLong("spool.lockcrash.seed", new Random().nextLong());
        random.setSeed(seed);
        for (int round = 0; round <= kills; round++) {
            Child child = new Child(dir);
            verifyRecovered(child, "after kill " + round + " (seed " + seed + ")");
            if (round == kills) {
                child.stop();
                break;
            }
            runClients(child, 800 + random.nextInt(2_000));
            child.kill();
            endLifetime("lifetime " + round + " (seed " + seed + ")");
        }
        LOG.info("lock crash: {} kills, {} confirmed grants, {} stale resource writes refused (seed {})", kills,
                confirmedGrants, refusedResourceWrites, seed);
        assertThat(violations).as("seed %d", seed).isEmpty();
        assertThat(confirmedGrants).as("the clients got locks").isGreaterThan(kills * 5L);
    }

    /** Runs the clients until {@code ms} passed, then leaves them hanging on the child (it is killed next). */
    private void runClients(Child child, long ms) throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String owner = "c" + i;
            Thread t = new Thread(() -> client(child, owner), "lock-client-" + i);
            t.setDaemon(true);
            clients.add(t);
            t.start();
        }
        // the workload runs for its time, or until a violation shows up
        violationSeen.await(ms, TimeUnit.MILLISECONDS);
        child.killed = true;
        child.process.destroyForcibly();
        for (Thread t : clients) {
            t.join(30_000);
            assertThat(t.isAlive()).as("client stopped after the kill").isFalse();
        }
    }

    private void client(Child child, String owner) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (!child.killed) {
            String name = NAMES[r.nextInt(NAMES.length)];
            long wait = r.nextInt(4) == 0 ? 0 : 100 + r.nextInt(1_500);
            String[] g = child.call("ACQ " + name + " " + owner + " " + (300 + r.nextInt(1_200)) + " " + wait);
            if (g == null) {
                return;
            }
            if (!g[0].equals("OK")) {
                expect(g, "lock_held");
                continue;
            }
            String lease = g[1];
            long token = Long.parseLong(g[2]);
            long expires = Long.parseLong(g[3]);
            granted(name, token, Long.parseLong(g[4]));
            String fence = name + " " + lease + " " + token;
            int writes = r.nextInt(4);
            for (int i = 0; i < writes; i++) {
                writeResource(name, token, expires);
                String text = name + ":" + token + ":" + seq.incrementAndGet();
                sent(name, text);
                String[] p = child.call("PUT " + fence + " " + text);
                if (p == null) {
                    return;
                }
                if (!p[0].equals("OK")) {
                    expect(p, "stale_lease");
                    refused(name, text);
                    break;
                }
                confirmedState(name, Long.parseLong(p[1]), text);
                if (r.nextInt(3) == 0) {
                    String[] k = child.call("KEEP " + fence + " " + (300 + r.nextInt(1_200)));
                    if (k == null) {
                        return;
                    }
                    if (k[0].equals("OK")) {
                        expires = Long.parseLong(k[1]);
                    }
                }
            }
            if (r.nextInt(5) != 0 && child.call("REL " + fence) == null) {
                return;
            }
        }
    }

    private void expect(String[] reply, String code) {
        if (!reply[1].equals(code)) {
            violation("unexpected reply " + String.join(" ", reply));
        }
    }

    private void violation(String what) {
        violations.add(what);
        violationSeen.countDown();
    }

    /** The fenced resource: refuses a token below the last accepted; a refused holder must have been too late. */
    private synchronized void writeResource(String name, long token, long expires) {
        long last = resource.getOrDefault(name, 0L);
        if (token >= last) {
            resource.put(name, token);
            return;
        }
        refusedResourceWrites++;
        if (System.currentTimeMillis() < expires - 100) {
            violation(name + ": token " + token + " (lease until " + expires + ") refused by the resource, "
                    + "which had accepted token " + last + ": two holders at once");
        }
    }

    private synchronized void granted(String name, long token, long arrival) {
        confirmedGrants++;
        if (!tokens.computeIfAbsent(name, k -> new HashSet<>()).add(token)) {
            violation(name + ": token " + token + " issued twice");
        }
        if (token <= before.getOrDefault(name, 0L)) {
            violation(name + ": token " + token + " not above " + before.get(name) + " of an earlier lifetime");
        }
        grants.computeIfAbsent(name, k -> new ArrayList<>()).add(new long[] {arrival, token});
    }

    private synchronized void sent(String name, String text) {
        maybeState.computeIfAbsent(name, k -> new HashSet<>()).add(text);
    }

    private synchronized void refused(String name, String text) {
        maybeState.get(name).remove(text);
    }

    private synchronized void confirmedState(String name, long version, String text) {
        Object[] was = state.get(name);
        if (was == null || (long) was[0] < version) {
            state.put(name, new Object[] {version, text});
        }
    }

    /** Within one lifetime, granted acquires got their tokens in arrival order. */
    private synchronized void endLifetime(String when) {
        for (Map.Entry<String, List<long[]>> e : grants.entrySet()) {
            List<long[]> gs = new ArrayList<>(e.getValue());
            gs.sort((a, b) -> Long.compare(a[0], b[0]));
            for (int i = 1; i < gs.size(); i++) {
                if (gs.get(i)[1] <= gs.get(i - 1)[1]) {
                    violation(when + ": " + e.getKey() + " arrival " + gs.get(i)[0] + " got token "
                            + gs.get(i)[1] + ", not above arrival " + gs.get(i - 1)[0] + "'s " + gs.get(i - 1)[1]);
                }
            }
        }
        grants.clear();
        assertThat(violations).as(when).isEmpty();
    }

    private synchronized void verifyRecovered(Child child, String when) {
        for (String name : NAMES) {
            String[] info = child.call("INFO " + name);
            assertThat(info).as("%s: info of %s", when, name).isNotNull();
            Set<Long> issued = tokens.getOrDefault(name, Set.of());
            long maxIssued = issued.stream().mapToLong(Long::longValue).max().orElse(0);
            Object[] confirmed = state.get(name);
            Set<String> maybe = maybeState.computeIfAbsent(name, k -> new HashSet<>());
            if (!info[0].equals("OK")) {
                assertThat(info[1]).as("%s: %s", when, name).isEqualTo("lock_not_found");
                assertThat(maxIssued).as("%s: lock %s forgotten", when, name).isZero();
                assertThat(confirmed).as("%s: state of %s forgotten", when, name).isNull();
                continue;
            }
            long lastToken = Long.parseLong(info[1]);
            assertThat(lastToken).as("%s: last token of %s below a confirmed one", when, name)
                    .isGreaterThanOrEqualTo(maxIssued);
            before.put(name, lastToken);
            if (info[3].equals("-")) {
                assertThat(confirmed).as("%s: state of %s lost", when, name).isNull();
            } else {
                long version = Long.parseLong(info[3]);
                String text = info[4];
                if (confirmed != null) {
                    assertThat(version).as("%s: state version of %s", when, name)
                            .isGreaterThanOrEqualTo((long) confirmed[0]);
                    if (version == (long) confirmed[0]) {
                        assertThat(text).as("%s: state of %s", when, name).isEqualTo(confirmed[1]);
                    }
                }
                if (confirmed == null || version > (long) confirmed[0]) {
                    assertThat(maybe).as("%s: state of %s is a write that was sent", when, name).contains(text);
                }
                state.put(name, new Object[] {version, text});
            }
            maybe.clear();
        }
    }

    /** The child JVM: calls block until their reply, and answer null once the child died. */
    private static final class Child {
        final Process process;
        private final PrintStream in;
        private final Map<Long, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
        private final AtomicLong next = new AtomicLong();
        private final CompletableFuture<Void> ready = new CompletableFuture<>();
        volatile boolean killed;
        private volatile boolean dead;

        Child(Path dir) throws IOException, InterruptedException {
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), LockCrashChild.class.getName(), dir.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> read(out), "lock-crash-reader");
            reader.setDaemon(true);
            reader.start();
            try {
                ready.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("child did not start", e);
            }
        }

        private void read(BufferedReader out) {
            try {
                String l;
                while ((l = out.readLine()) != null) {
                    if (l.equals("READY")) {
                        ready.complete(null);
                        continue;
                    }
                    String[] parts = l.split(" ", 2);
                    CompletableFuture<String> f = pending.remove(Long.parseLong(parts[0]));
                    if (f != null) {
                        f.complete(parts[1]);
                    }
                }
            } catch (IOException e) {
                // the child died
            }
            dead = true;
            ready.completeExceptionally(new IOException("child ended"));
            pending.values().forEach(f -> f.complete(null));
        }

        /** Sends a command and waits for its reply split on spaces; null when the child died first. */
        String[] call(String command) {
            long s = next.incrementAndGet();
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.put(s, f);
            if (dead) {
                return null;
            }
            synchronized (in) {
                in.println(s + " " + command);
            }
            try {
                String r = f.get(60, TimeUnit.SECONDS);
                return r == null ? null : r.split(" ");
            } catch (Exception e) {
                throw new AssertionError("no reply to " + command, e);
            }
        }

        void kill() throws InterruptedException {
            killed = true;
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        void stop() throws InterruptedException {
            in.close();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
