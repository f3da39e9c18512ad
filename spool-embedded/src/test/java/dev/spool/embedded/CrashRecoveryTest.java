package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability with a real crash: a child JVM runs the journal engine (fsync=always, 4 KiB segments
 * and snapshots, so segment rolls, snapshots, compaction and segment deletion happen throughout)
 * while this test keeps up to 32 pushes, pops, acks and transactions in flight on it (group
 * commit), keeping a ledger of every confirmed reply. At a random point the child is killed with
 * SIGKILL and restarted on the same directory. After every restart: every confirmed push is
 * present exactly once with its id and an intact payload, no confirmed ack reappears, each
 * command in flight at the kill took effect wholly or not at all (a transaction both ways or
 * neither), and leases taken before the kill still ack.
 *
 * <p>SIGKILL keeps the page cache, so this proves the process-crash guarantee; the power-loss
 * guarantee is {@link PowerLossTest}'s. {@code ./mvnw verify} runs {@value #DEFAULT_KILLS} kills;
 * the long form is {@code ./mvnw -o -pl spool-embedded -am verify -Dtest=CrashRecoveryTest
 * -Dspool.crash.kills=1000 -Dspool.crash.parallel=3 -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code parallel} runs that many independent chains, each on its own directory, at once).
 */
@Timeout(value = 7200, unit = TimeUnit.SECONDS)
class CrashRecoveryTest {
    private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);
    private static final int DEFAULT_KILLS = 6;

    @TempDir
    Path dir;

    @Test
    void shouldKeepEveryAcknowledgedWriteAcrossSigkills() throws Exception {
        int kills = Integer.getInteger("spool.crash.kills", DEFAULT_KILLS);
        int chains = Math.max(1, Math.min(kills, Integer.getInteger("spool.crash.parallel", 1)));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(chains);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int c = 0; c < chains; c++) {
            Path chainDir = dir.resolve("chain-" + c);
            int share = kills / chains + (c < kills % chains ? 1 : 0);
            done.add(pool.submit(() -> {
                new Chain().runAll(chainDir, share);
                return null;
            }));
        }
        pool.shutdown();
        for (java.util.concurrent.Future<?> f : done) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                pool.shutdownNow();
                if (e.getCause() instanceof AssertionError a) {
                    throw a;
                }
                throw e;
            }
        }
        LOG.info("crash: {} kills in {} chains, all confirmed replies held", kills, chains);
    }

    /** One chain of kills on one data directory, with its own ledger of confirmed replies. */
    private static final class Chain {
        /** Runs {@code kills} kill-and-restart rounds on its own directory; returns the kills done. */
        void runAll(Path dir, int kills) throws Exception {
            long seed = random.nextLong();
            random.setSeed(seed);
            List<Pending> unknown = List.of();
            for (int round = 0; round <= kills; round++) {
                Child child = new Child(dir);
                verify(child.dump(), unknown, "after kill " + round + " seed " + seed);
                if (round == kills) {
                    child.stop();
                    break;
                }
                ackHeldLeases(child);
                unknown = run(child, 50 + random.nextInt(400), 1 + random.nextInt(32));
                child.kill();
            }
            LOG.info("crash chain: {} kills, {} confirmed replies, {} messages present, {} acked (seed {})", kills,
                    confirmed, present.size(), acked.size(), seed);
            assertThat(present.size() + acked.size()).as("the workload did something").isGreaterThan(20);
        }

        private final Random random = new Random();
        /** tag → id for every push that was confirmed and not yet confirmed acked. */
        private final Map<String, Long> present = new HashMap<>();
        private final Set<String> acked = new HashSet<>();
        /** Leases held: tag → receipt. */
        private final Map<String, String> leases = new LinkedHashMap<>();
        private int nextTag;
        private long confirmed;

        /** A command sent; {@code tags} it pushes, {@code ackTags} it acks. */
        private record Pending(String line, List<String> tags, List<String> ackTags) {
        }

        /** Sends up to {@code ops} commands with at most {@code window} in flight; returns those unanswered. */
        private List<Pending> run(Child child, int ops, int window) throws Exception {
            Map<Long, Pending> inFlight = new LinkedHashMap<>();
            long seq = 0;
            int sent = 0;
            while (sent < ops || !inFlight.isEmpty()) {
                while (sent < ops && inFlight.size() < window) {
                    Pending p = nextCommand();
                    if (p == null) {
                        break;
                    }
                    inFlight.put(seq, p);
                    child.send(seq++ + " " + p.line);
                    sent++;
                }
                if (sent >= ops / 2 && random.nextInt(ops) < 4 || inFlight.isEmpty() && sent >= ops) {
                    break;
                }
                String[] reply = child.next();
                Pending p = inFlight.remove(Long.parseLong(reply[0]));
                confirm(p, reply[1]);
            }
            // the kill comes now: whatever is unanswered (and whatever answers are still in the pipe) is unknown
            return new ArrayList<>(inFlight.values());
        }

        private Pending nextCommand() {
            int r = random.nextInt(10);
            if (r < 4 || present.isEmpty()) {
                List<String> tags = new ArrayList<>();
                int n = 1 + random.nextInt(20);
                for (int i = 0; i < n; i++) {
                    tags.add("t" + nextTag++);
                }
                return new Pending("PUSH " + String.join(" ", tags), tags, List.of());
            }
            if (r < 7 || leases.isEmpty()) {
                return new Pending("POP " + (1 + random.nextInt(10)), List.of(), List.of());
            }
            if (r < 9) {
                List<String> tags = new ArrayList<>(leases.keySet()).subList(0, Math.min(leases.size(),
                        1 + random.nextInt(5)));
                StringBuilder sb = new StringBuilder("ACK");
                for (String t : List.copyOf(tags)) {
                    sb.append(' ').append(leases.remove(t));
                }
                return new Pending(sb.toString(), List.of(), List.copyOf(tags));
            }
            String a = leases.keySet().iterator().next();
            String receipt = leases.remove(a);
            String b = "t" + nextTag++;
            return new Pending("TX " + receipt + " " + b, List.of(b), List.of(a));
        }

        private void confirm(Pending p, String reply) {
            String[] parts = reply.split(" ");
            assertThat(parts[0]).as(reply).isEqualTo(p.line.split(" ")[0]);
            confirmed++;
            switch (parts[0]) {
                case "PUSH" -> {
                    for (int i = 0; i < p.tags.size(); i++) {
                        present.put(p.tags.get(i), Long.parseLong(parts[i + 1]));
                    }
                }
                case "POP" -> {
                    for (int i = 1; i + 2 < parts.length; i += 3) {
                        String tag = parts[i];
                        assertThat(acked).as("popped %s after its ack was confirmed", tag).doesNotContain(tag);
                        assertThat(leases).as("popped twice while leased: %s", tag).doesNotContainKey(tag);
                        // a confirmed pop is behind its push in the journal: the push is durable too
                        present.put(tag, Long.parseLong(parts[i + 1]));
                        leases.put(tag, parts[i + 2]);
                    }
                }
                case "ACK" -> {
                    for (int i = 0; i < p.ackTags.size(); i++) {
                        assertThat(parts[i + 1]).as("ack of %s", p.ackTags.get(i)).isEqualTo("ok");
                        markAcked(p.ackTags.get(i));
                    }
                }
                case "TX" -> {
                    markAcked(p.ackTags.get(0));
                    present.put(p.tags.get(0), Long.parseLong(parts[1]));
                }
                default -> throw new AssertionError("unexpected reply " + reply);
            }
        }

        private void markAcked(String tag) {
            present.remove(tag);
            leases.remove(tag);
            acked.add(tag);
        }

        /** Checks the dump against the ledger, resolving the commands that were in flight at the kill. */
        private void verify(String dump, List<Pending> inFlight, String when) {
            Map<String, Integer> counts = new HashMap<>();
            Map<String, Long> ids = new HashMap<>();
            String[] parts = dump.split(" ");
            assertThat(parts[0]).as(dump).isEqualTo("DUMP");
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].split("=");
                counts.merge(kv[0], 1, Integer::sum);
                ids.put(kv[0], Long.parseLong(kv[1]));
            }
            for (Pending p : inFlight) {
                resolve(p, counts, ids, when);
            }
            for (Map.Entry<String, Long> e : present.entrySet()) {
                assertThat(counts.getOrDefault(e.getKey(), 0)).as("%s: confirmed push %s", when, e.getKey()).isEqualTo(1);
                assertThat(ids.get(e.getKey())).as("%s: id of %s", when, e.getKey()).isEqualTo(e.getValue());
            }
            for (String t : acked) {
                assertThat(counts).as("%s: acked %s reappeared", when, t).doesNotContainKey(t);
            }
            assertThat(counts.keySet()).as("%s: nothing unknown is present", when)
                    .allMatch(t -> present.containsKey(t));
        }

        private void resolve(Pending p, Map<String, Integer> counts, Map<String, Long> ids, String when) {
            boolean pushed = !p.tags.isEmpty() && (counts.containsKey(p.tags.get(0)) || present.containsKey(p.tags.get(0))
                    || acked.contains(p.tags.get(0)));
            for (String t : p.tags) {
                boolean here = counts.containsKey(t) || present.containsKey(t) || acked.contains(t);
                assertThat(here).as("%s: batch %s applied partly", when, p.line).isEqualTo(pushed);
            }
            boolean ackApplied = !p.ackTags.isEmpty() && !counts.containsKey(p.ackTags.get(0));
            for (String t : p.ackTags) {
                assertThat(!counts.containsKey(t)).as("%s: ack %s applied partly", when, p.line).isEqualTo(ackApplied);
            }
            if (p.line.startsWith("TX")) {
                assertThat(pushed).as("%s: transaction %s applied partly", when, p.line).isEqualTo(ackApplied);
            }
            if (pushed) {
                p.tags.forEach(t -> {
                    if (counts.containsKey(t)) {
                        present.put(t, ids.get(t));
                    }
                });
            }
            if (ackApplied) {
                p.ackTags.forEach(this::markAcked);
            }
        }

        private void ackHeldLeases(Child child) throws IOException, InterruptedException {
            if (leases.isEmpty()) {
                return;
            }
            List<String> tags = new ArrayList<>(leases.keySet());
            StringBuilder sb = new StringBuilder("0 ACK");
            tags.forEach(t -> sb.append(' ').append(leases.get(t)));
            child.send(sb.toString());
            String[] parts = child.next()[1].split(" ");
            for (int i = 0; i < tags.size(); i++) {
                assertThat(parts[i + 1]).as("a lease taken before the kill still acks: %s", tags.get(i)).isEqualTo("ok");
                markAcked(tags.get(i));
            }
        }

    }

    /** A child JVM running {@link CrashChild}; its reply lines are read by a thread of their own. */
    private static final class Child {
        private final Process process;
        private final PrintStream in;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Map<String, Boolean> closed = new ConcurrentHashMap<>();

        Child(Path dir) throws IOException, InterruptedException {
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"),
                    CrashChild.class.getName(), dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try {
                    String l;
                    while ((l = out.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the child died
                }
                closed.put("eof", Boolean.TRUE);
            }, "crash-child-reader");
            reader.setDaemon(true);
            reader.start();
            String ready = lines.poll(60, TimeUnit.SECONDS);
            assertThat(ready).as("child started").isEqualTo("READY");
        }

        void send(String line) {
            in.println(line);
        }

        /** The next reply as {seq, reply}. */
        String[] next() throws InterruptedException {
            String l = lines.poll(30, TimeUnit.SECONDS);
            assertThat(l).as("a reply within 30 s").isNotNull();
            String[] parts = l.split(" ", 2);
            assertThat(parts[1]).as("reply %s", l).doesNotStartWith("ERROR");
            return parts;
        }

        String dump() throws InterruptedException {
            send("0 DUMP");
            return next()[1];
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        void stop() throws InterruptedException {
            in.close();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
