package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * Runs every scenario for about a second against an in-process memory server (and the default
 * journal, and a server at {@code --url}) and checks the report from the outside: the RESULT line
 * parses, the audit found nothing lost or duplicated, and messages actually flowed. One test makes a
 * consumer forget deliveries and checks that the audit catches it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BenchCommandTest {
    private static final Pattern RESULT = Pattern.compile(
            "^RESULT scenario=(\\S+) msgs_per_s=(\\d+) p50_ms=(\\d+\\.\\d+) p99_ms=(\\d+\\.\\d+) lost=(\\d+) "
                    + "duplicated=(\\d+)((?: [a-z0-9_]+=\\S+)*)$", Pattern.MULTILINE);

    record Outcome(int exit, String out, String err, Map<String, String> result) {
        long num(String key) {
            return Long.parseLong(result.get(key));
        }
    }

    static Outcome bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new BenchCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        Map<String, String> result = new LinkedHashMap<>();
        Matcher m = RESULT.matcher(out.toString());
        if (m.find()) {
            for (String kv : m.group(0).substring("RESULT ".length()).split(" ")) {
                int eq = kv.indexOf('=');
                result.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return new Outcome(exit, out.toString(), err.toString(), result);
    }

    private static void assertCleanRun(Outcome o, String scenario) {
        assertThat(o.result()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isNotEmpty();
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(o.result().get("scenario")).isEqualTo(scenario);
        assertThat(o.num("lost")).isZero();
        assertThat(o.num("duplicated")).isZero();
        assertThat(o.num("errors")).as(o.out()).isZero();
        assertThat(o.num("pushed")).isPositive();
        assertThat(o.num("delivered")).isPositive();
        assertThat(o.num("msgs_per_s")).isPositive();
        assertThat(Double.parseDouble(o.result().get("p99_ms")))
                .isGreaterThanOrEqualTo(Double.parseDouble(o.result().get("p50_ms")));
        assertThat(o.out()).contains("audit [default]: acknowledged").contains("load generator");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "stream", "inprocess", "sqs"})
    void shouldAuditEveryMessageWhenThroughputRunsOverEachTransport(String transport) {
        Outcome o = bench("throughput", "--warmup", "0", "--storage",
                "memory", "--duration", "1", "--transport", transport,
                "--producers", "2", "--consumers", "2", "--no-progress");
        assertCleanRun(o, "throughput");
        assertThat(o.result().get("transport")).isEqualTo(transport);
        assertThat(o.out()).contains("server engine");
    }

    @Test
    void shouldRunThroughputAndLocksWithTlsAuthAndEncryptionAtRest(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        dev.spool.testkit.TestPki pki = new dev.spool.testkit.TestPki(dir);
        java.nio.file.Path ca = pki.ca("ca");
        dev.spool.testkit.TestPki.Issued server = pki.issue("ca", "bench", "ip:127.0.0.1,dns:localhost", null, 2);
        java.nio.file.Path config = dir.resolve("server.conf");
        java.nio.file.Files.writeString(config, "auth: required\nadmin-token: bench-admin-token-0123456789\n"
                + "tls-cert: " + server.cert() + "\ntls-key: " + server.key() + "\n");
        String[] secure = {"--encrypt", "--server-config", config.toString(), "--auth-token",
            "bench-admin-token-0123456789", "--cacert", ca.toString(), "--no-progress"};
        Outcome o = bench(concat(new String[] {"throughput", "--warmup", "0", "--duration", "1", "--producers", "2",
            "--consumers", "2"}, secure));
        assertCleanRun(o, "throughput");
        assertThat(o.out()).contains("encrypted at rest").doesNotContain("bench-admin-token-0123456789");
        Outcome locks = bench(concat(new String[] {"locks", "--mode", "cycle", "--clients", "2", "--duration", "3",
            "--warmup", "0"}, secure)); // 1 s made no cycle at all under a load of 20 (TLS handshakes first)
        assertThat(locks.exit()).as(locks.out() + locks.err()).isZero();
        assertThat(locks.out()).as(locks.out())
                .containsPattern("(?m)^RESULT scenario=locks-cycle ops_per_s=[1-9]\\d* .* errors=0$");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void shouldRunOnTheDefaultJournalWithFsyncAlways() {
        // a warm-up well past the first progress tick (1 s), so that tick reports the warm-up
        Outcome o = bench("throughput", "--warmup", "2.5", "--duration", "1", "--producers", "2",
                "--consumers", "2");
        assertCleanRun(o, "throughput");
        assertThat(o.out()).contains("storage=journal fsync=always").contains("server journal");
        assertThat(o.err()).contains("[   1s] pushed").contains("(warm-up)");
    }

    @Test
    void shouldMeasureClaimLatencyAtAFixedRate() {
        Outcome o = bench("claim-latency", "--warmup", "0", "--storage", "memory", "--duration", "1.5", "--rate", "300",
                "--workers", "30", "--no-progress");
        assertCleanRun(o, "claim-latency");
        assertThat(o.num("pushed")).isBetween(300L, 600L);
        assertThat(o.result().get("latency")).isEqualTo("delivery");
    }

    @Test
    void shouldRunTheLockdShapeWithOneAckPerMessage() {
        Outcome o = bench("lockd", "--warmup", "0", "--storage",
                "memory", "--duration", "1", "--producers", "10", "--consumers", "10",
                "--no-progress");
        assertCleanRun(o, "lockd");
        assertThat(o.out()).contains("transport=stream").contains("ack_each=true");
        assertThat(o.result().get("latency")).isEqualTo("end_to_end");
    }

    @Test
    void shouldPushBatchesOverKeys() {
        Outcome o = bench("batch-push", "--warmup", "0", "--storage", "memory", "--duration", "1", "--connections", "5",
                "--consumers", "4", "--no-progress");
        assertCleanRun(o, "batch-push");
        assertThat(o.num("pushed") % 100).isZero();
    }

    @Test
    void shouldMoveLargePayloadsRawAndReportTheHeap() {
        Outcome o = bench("large", "--warmup", "0", "--storage",
                "memory", "--duration", "1", "--size", "2097152", "--no-progress");
        assertCleanRun(o, "large");
        assertThat(o.out()).contains("heap: live");
    }

    @Test
    void shouldAuditEachGroupOfAFanout() {
        Outcome o = bench("fanout", "--warmup", "0", "--storage",
                "memory", "--duration", "1", "--groups", "3", "--no-progress");
        assertCleanRun(o, "fanout");
        assertThat(o.out()).contains("audit [g1]").contains("audit [g2]");
        assertThat(o.out()).containsPattern("audit \\[g2\\]: acknowledged ([0-9,]+), consumed \\1 distinct, lost 0");
    }

    @Test
    void shouldDeliverEveryMessageToEveryPushEndpoint() {
        Outcome o = bench("push", "--storage", "memory", "--endpoints", "2", "--messages", "20", "--size", "512",
                "--concurrency", "4", "--timeout-s", "60");
        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(o.result().get("scenario")).isEqualTo("push");
        assertThat(o.num("deliveries")).isEqualTo(40);
        assertThat(o.num("lost")).isZero();
        assertThat(o.num("duplicated")).isZero();
        assertThat(o.out()).contains("heap: live");
    }

    @Test
    void shouldPaceThePushesAtTheGivenRate() {
        // 40 messages in batches of 5 at 50/s: the eighth batch is due 700 ms after the first (unpaced: ~0.3 s)
        Outcome o = bench("push", "--storage", "memory", "--endpoints", "2", "--messages", "40", "--batch", "5",
                "--producers", "2", "--rate", "50", "--size", "64", "--concurrency", "4", "--timeout-s", "60");
        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(o.num("rate")).isEqualTo(50);
        assertThat(o.num("deliveries")).isEqualTo(80);
        assertThat(o.num("lost")).isZero();
        assertThat(Double.parseDouble(o.result().get("total_s"))).isGreaterThanOrEqualTo(0.7);
    }

    @Test
    void shouldRefuseANegativeRateOrWarmupOfPushSayingWhich() {
        Outcome rate = bench("push", "--storage", "memory", "--rate", "-1");
        Outcome warmup = bench("push", "--storage", "memory", "--warmup", "-0.5");

        assertThat(rate.exit()).isEqualTo(2);
        assertThat(rate.err()).contains("--rate and --warmup must not be negative");
        assertThat(warmup.exit()).isEqualTo(2);
        assertThat(warmup.err()).contains("--rate and --warmup must not be negative");
    }

    @Test
    void shouldPushALargePayloadAsARawBodyAndDeliverItFromTheJournal() {
        // 7 MiB: its JSON would pass the 8 MiB batch budget, so it is pushed raw (and sent from the segment file)
        Outcome o = bench("push", "--endpoints", "2", "--messages", "2", "--size", Integer.toString(7 << 20),
                "--concurrency", "2", "--timeout-s", "120");
        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(o.num("deliveries")).isEqualTo(4);
        assertThat(o.num("lost")).isZero();
        assertThat(o.num("duplicated")).isZero();
    }

    @Test
    void shouldFailLoudlyWhenAConsumerDropsMessages() {
        Outcome o = bench("throughput", "--warmup", "0", "--storage",
                "memory", "--duration", "1", "--drain-timeout", "1",
                "--producers", "1", "--consumers", "1", "--test-drop-every", "50", "--no-progress");
        assertThat(o.exit()).isEqualTo(1);
        assertThat(o.num("lost")).isPositive();
        assertThat(o.out())
                .containsPattern("audit \\[default\\]: acknowledged [0-9,]+, consumed [0-9,]+ distinct, lost [1-9]");
        assertThat(o.out()).contains("LOST ").contains("drain timeout");
        assertThat(o.err()).contains("LOST ");
    }

    @Test
    void shouldDriveARunningServerAtUrl() throws Exception {
        try (SpoolServer server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture()
                .get(60, TimeUnit.SECONDS)) {
            Outcome o = bench("throughput", "--warmup", "0", "--url",
                    server.url(), "--duration", "1", "--producers", "2",
                    "--consumers", "2", "--no-progress");
            assertCleanRun(o, "throughput");
            // a local server is measured as a process (from /proc), not by this JVM's thread split
            assertThat(o.out()).contains("server at " + server.url()).contains("server process total")
                    .containsPattern("per delivered message: server [0-9.]+ us, load generator [0-9.]+ us");
        }
    }

    @Test
    void shouldReportTheServerProcessCpuOfLocksAtUrl() throws Exception {
        try (SpoolServer server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture()
                .get(60, TimeUnit.SECONDS)) {
            Outcome o = bench("locks", "--mode", "cycle", "--clients", "2", "--warmup", "0", "--duration", "1",
                    "--url", server.url(), "--no-progress");
            assertThat(o.exit()).as(o.out() + o.err()).isZero();
            assertThat(o.out()).as(o.out()).containsPattern("(?m)^cpu/op .* server process total [0-9.]+ us;");
        }
    }

    @Test
    void shouldRecordAJfrProfileOfTheMeasuredWindow(@TempDir Path dir) throws Exception {
        Path jfr = dir.resolve("run.jfr");
        Outcome o = bench("throughput", "--warmup", "0", "--storage", "memory", "--duration", "1", "--jfr",
                jfr.toString(), "--no-progress");
        assertCleanRun(o, "throughput");
        assertThat(o.err()).contains("jfr: wrote " + jfr);
        assertThat(Files.size(jfr)).isGreaterThan(1000);
        assertThat(o.out()).containsPattern("per delivered message: server [0-9.]+ us");
    }

    @Test
    void shouldRefuseBadUsage() {
        int usage = CommandLine.ExitCode.USAGE;
        Outcome pigeon = bench("throughput", "--warmup", "0", "--transport", "pigeon", "--storage", "memory");
        assertThat(pigeon.exit()).isEqualTo(usage);
        assertThat(pigeon.err()).contains("--transport is http, stream, java, inprocess or sqs");
        assertThat(bench("throughput", "--transport", "inprocess", "--url", "http://127.0.0.1:1").exit())
                .isEqualTo(usage);
        assertThat(bench("throughput", "--url", "ftp://x").exit()).isEqualTo(usage);
        assertThat(bench("throughput", "--duration", "0").exit()).isEqualTo(usage);
        assertThat(bench("lockd", "--producers", "0").exit()).isEqualTo(usage);
        Outcome storage = bench("throughput", "--storage", "floppy");
        assertThat(storage.exit()).isEqualTo(usage);
        assertThat(storage.err()).contains("storage");
        Outcome none = bench();
        assertThat(none.exit()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(none.err()).contains("claim-latency").contains("batch-push").contains("fanout");
    }
}
