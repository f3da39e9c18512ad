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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability with a real crash: a child JVM runs the journal engine (fsync=always) while this test
 * pushes, pops, acks and commits transactions through it, keeping a ledger of every confirmed
 * reply. At a random point the child is killed with SIGKILL and restarted on the same directory.
 * After every restart: every confirmed push is present exactly once, no confirmed ack reappears,
 * the one command in flight at the kill took effect wholly or not at all, and leases taken before
 * the kill still ack. {@code -Dspool.crash.kills=20} runs the full version; CI runs a short one.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class CrashRecoveryTest {

    @TempDir
    Path dir;

    private final Random random = new Random();
    /** tag → id for every push that was confirmed and not yet confirmed acked. */
    private final Map<String, Long> present = new HashMap<>();
    private final Set<String> acked = new HashSet<>();
    /** Leases held: tag → receipt. */
    private final Map<String, String> leases = new LinkedHashMap<>();
    private int nextTag;

    @Test
    void shouldKeepEveryAcknowledgedWriteAcrossSigkills() throws Exception {
        int kills = Integer.getInteger("spool.crash.kills", 4);
        long seed = random.nextLong();
        random.setSeed(seed);
        for (int round = 0; round < kills; round++) {
            Child child = new Child(dir);
            verify(child.command("DUMP"), null, "round " + round + " seed " + seed);
            ackHeldLeases(child);
            long killAfterMs = 20 + random.nextInt(300);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killAfterMs);
            Pending last = null;
            while (true) {
                Pending p = nextCommand();
                if (System.nanoTime() >= deadline) {
                    child.send(p.line);
                    child.kill();
                    last = p;
                    break;
                }
                String reply = child.command(p.line);
                confirm(p, reply);
            }
            Child after = new Child(dir);
            verify(after.command("DUMP"), last, "after kill " + round + " seed " + seed);
            after.stop();
        }
        assertThat(present.size() + acked.size()).as("the workload did something").isGreaterThan(20);
    }

    /** A command sent; {@code tags} it pushes, {@code ackTags} it acks. */
    private record Pending(String line, List<String> tags, List<String> ackTags) {
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
            for (String t : tags) {
                sb.append(' ').append(leases.get(t));
            }
            return new Pending(sb.toString(), List.of(), List.copyOf(tags));
        }
        String a = leases.keySet().iterator().next();
        String b = "t" + nextTag++;
        return new Pending("TX " + leases.get(a) + " " + b, List.of(b), List.of(a));
    }

    private void confirm(Pending p, String reply) {
        String[] parts = reply.split(" ");
        assertThat(parts[0]).as(reply).isEqualTo(p.line.split(" ")[0]);
        switch (parts[0]) {
            case "PUSH" -> {
                for (int i = 0; i < p.tags.size(); i++) {
                    present.put(p.tags.get(i), Long.parseLong(parts[i + 1]));
                }
            }
            case "POP" -> {
                for (int i = 1; i < parts.length; i++) {
                    String[] kv = parts[i].split("=");
                    assertThat(present).as("popped %s", kv[0]).containsKey(kv[0]);
                    assertThat(leases).as("popped twice while leased: %s", kv[0]).doesNotContainKey(kv[0]);
                    leases.put(kv[0], kv[1]);
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

    /** Checks the dump against the ledger, resolving the command that was in flight at the kill. */
    private void verify(String dump, Pending inFlight, String when) {
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Long> ids = new HashMap<>();
        String[] parts = dump.split(" ");
        assertThat(parts[0]).as(dump).isEqualTo("DUMP");
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=");
            counts.merge(kv[0], 1, Integer::sum);
            ids.put(kv[0], Long.parseLong(kv[1]));
        }
        if (inFlight != null) {
            resolve(inFlight, counts, ids, when);
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
        boolean pushed = !p.tags.isEmpty() && counts.containsKey(p.tags.get(0));
        for (String t : p.tags) {
            assertThat(counts.containsKey(t)).as("%s: batch %s applied partly", when, p.line).isEqualTo(pushed);
        }
        boolean ackApplied = !p.ackTags.isEmpty() && !counts.containsKey(p.ackTags.get(0));
        for (String t : p.ackTags) {
            assertThat(!counts.containsKey(t)).as("%s: ack %s applied partly", when, p.line).isEqualTo(ackApplied);
        }
        if (p.line.startsWith("TX")) {
            assertThat(pushed).as("%s: transaction %s applied partly", when, p.line).isEqualTo(ackApplied);
        }
        if (pushed) {
            p.tags.forEach(t -> present.put(t, ids.get(t)));
        }
        if (ackApplied) {
            p.ackTags.forEach(this::markAcked);
        }
    }

    private void ackHeldLeases(Child child) throws IOException {
        if (leases.isEmpty()) {
            return;
        }
        List<String> tags = new ArrayList<>(leases.keySet());
        StringBuilder sb = new StringBuilder("ACK");
        tags.forEach(t -> sb.append(' ').append(leases.get(t)));
        String[] parts = child.command(sb.toString()).split(" ");
        for (int i = 0; i < tags.size(); i++) {
            assertThat(parts[i + 1]).as("a lease taken before the kill still acks: %s", tags.get(i)).isEqualTo("ok");
            markAcked(tags.get(i));
        }
    }

    /** A child JVM running {@link CrashChild}. */
    private static final class Child {
        private final Process process;
        private final BufferedReader out;
        private final PrintStream in;

        Child(Path dir) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    CrashChild.class.getName(), dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            String ready = out.readLine();
            assertThat(ready).as("child started").isEqualTo("READY");
        }

        void send(String line) {
            in.println(line);
        }

        String command(String line) throws IOException {
            send(line);
            String reply = out.readLine();
            assertThat(reply).as("reply to %s", line).isNotNull().doesNotStartWith("ERROR");
            return reply;
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
