package dev.spool.bench;

import static dev.spool.bench.BenchCommandTest.bench;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spool.bench.BenchCommandTest.Outcome;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * Runs W1 and W2 ({@code spool bench w1|w2}) for about a second each and checks the report from the
 * outside: produced and consumed rates, end-to-end and pop percentiles, an audit with nothing lost
 * or duplicated, the server's CPU split when it runs in another process on this machine, and a
 * rate sweep. Speed is not asserted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkloadsTest {

    private static void assertCleanRun(Outcome o, String scenario, String transport) {
        assertThat(o.result()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isNotEmpty();
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(o.result().get("scenario")).isEqualTo(scenario);
        assertThat(o.result().get("transport")).isEqualTo(transport);
        assertThat(o.num("lost")).isZero();
        assertThat(o.num("duplicated")).isZero();
        assertThat(o.num("errors")).as(o.out()).isZero();
        assertThat(o.num("pushed")).isPositive();
        assertThat(o.num("delivered")).isPositive();
        assertThat(o.num("produced_per_s")).isPositive();
        assertThat(o.num("consumed_per_s")).isPositive();
        assertThat(Double.parseDouble(o.result().get("consumed_ratio"))).isPositive();
        assertThat(Double.parseDouble(o.result().get("e2e_p99_ms")))
                .isGreaterThanOrEqualTo(Double.parseDouble(o.result().get("e2e_p50_ms")));
        assertThat(o.out()).containsPattern("audit \\[default\\]: acknowledged ([0-9,]+), consumed \\1 distinct, "
                + "lost 0, duplicated 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "http", "java"})
    void shouldRunW1WithAWindowOfUnconfirmedMessagesWhenTheServerIsInProcess(String transport) {
        Outcome o = bench("w1", "--warmup", "0", "--storage", "memory", "--duration", "1", "--transport", transport,
                "--no-progress");
        assertCleanRun(o, "w1", transport);
        assertThat(o.out()).contains("producers=4 consumers=4").contains("size=1024").contains("batch=100")
                .contains("prefetch=1000").contains("server engine");
        assertThat(o.result().get("latency")).isEqualTo("end_to_end");
        if (transport.equals("http")) {
            assertThat(Double.parseDouble(o.result().get("pop_p99_ms"))).isPositive();
        }
    }

    @Test
    void shouldSplitTheCpuOfALocalServerWhenW1DrivesItAtUrl() throws Exception {
        try (SpoolServer server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture()
                .get(60, TimeUnit.SECONDS)) {
            Outcome o = bench("w1", "--warmup", "0", "--url", server.url(), "--duration", "1", "--transport", "http",
                    "--no-progress");
            assertCleanRun(o, "w1", "http");
            // the server listens in this very JVM: /proc names this process as the one holding the port
            assertThat(o.err()).contains("is local process " + ProcessHandle.current().pid());
            assertThat(o.out()).contains("server process total").contains("server event loops")
                    .containsPattern("per delivered message: server [0-9.]+ us, load generator");
        }
    }

    @Test
    void shouldSendOneMessageAtATimeInW2() {
        Outcome o = bench("w2", "--warmup", "0", "--storage", "memory", "--duration", "1", "--transport", "http",
                "--no-progress");
        assertCleanRun(o, "w2", "http");
        assertThat(o.out()).contains("producers=1 consumers=1").contains("batch=1 ").contains("pop_max=1 ")
                .contains("ack_each=true");
    }

    @Test
    void shouldFindTheSustainedRateWhenSweeping() {
        Outcome o = bench("w1", "--sweep", "--sweep-steps", "2", "--rate", "2000", "--warmup", "0", "--storage",
                "memory", "--duration", "1", "--no-progress");
        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(Pattern.compile("^SWEEP rate=", Pattern.MULTILINE).matcher(o.out()).results().count())
                .isEqualTo(2);
        // up by half after a sustained rate, down to the middle after one that was not
        assertThat(o.out()).contains("SWEEP rate=2000 ").containsPattern("SWEEP rate=(3000|1000) ")
                .contains("rate=2000/s");
        // each step prints its own report; the sweep's verdict is the last RESULT line
        assertThat(o.out()).containsPattern("(?m)^RESULT scenario=w1-sweep msgs_per_s=\\d+ p50_ms=[0-9.]+ "
                + "p99_ms=[0-9.]+ lost=0 duplicated=0 sustained_rate=\\d+ first_unsustained_rate=\\S+$");
    }

    @Test
    void shouldRefuseABadSweep() {
        assertThat(bench("w1", "--sweep", "--sweep-steps", "0").exit()).isEqualTo(2);
        assertThat(bench("w2", "--transport", "pigeon").exit()).isEqualTo(2);
    }
}
