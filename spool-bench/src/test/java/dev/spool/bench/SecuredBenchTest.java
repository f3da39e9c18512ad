package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spool.bench.BenchCommandTest.Outcome;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.push.PushSettings;
import dev.spool.server.security.SecurityConfig;
import dev.spool.testkit.TestPki;

/**
 * Every {@code spool bench} scenario that talks to a server, run for about a second against a
 * server at an {@code https://} {@code --url} that requires a bearer token: each sends
 * {@code --auth-token} on every request, frame and upgrade and trusts {@code --cacert}. The same
 * runs without the token are refused, which shows the token is what lets them through.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecuredBenchTest {
    private static final String TOKEN = "secured-bench-admin-token-0123456789";

    @TempDir
    static Path dir;
    private static SpoolServer server;
    private static Path ca;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        ca = pki.ca("ca");
        TestPki.Issued cert = pki.issue("ca", "bench", "ip:127.0.0.1,dns:localhost", null, 2);
        ServerConfig m = ServerConfig.ephemeralMemory();
        SecurityConfig sec = m.security()
                .withTls(new SecurityConfig.Tls(cert.cert(), cert.key(), Optional.empty(), true, 0))
                .withAuthRequired(true).withAdminToken(TOKEN);
        server = SpoolServer.start(m.withSecurity(sec).withPush(PushSettings.DEFAULTS.withAllow(List.of("127.0.0.1"))))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String[] secured(String... args) {
        String[] tail = {"--url", server.url(), "--cacert", ca.toString(), "--auth-token", TOKEN};
        String[] out = Arrays.copyOf(args, args.length + tail.length);
        System.arraycopy(tail, 0, out, args.length, tail.length);
        return out;
    }

    private static String[] brief(String scenario, String... more) {
        String[] head = {scenario, "--warmup", "0", "--duration", "1", "--no-progress"};
        String[] out = Arrays.copyOf(head, head.length + more.length);
        System.arraycopy(more, 0, out, head.length, more.length);
        return out;
    }

    private static void assertClean(Outcome o, String scenario) {
        assertThat(server.url()).startsWith("https://");
        assertThat(o.result()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isNotEmpty();
        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(o.result().get("scenario")).isEqualTo(scenario);
        assertThat(o.num("lost")).isZero();
        assertThat(o.num("duplicated")).isZero();
        assertThat(o.num("msgs_per_s")).isPositive();
        assertThat(o.out() + o.err()).doesNotContain(TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "stream", "sqs"})
    void shouldSendTokenAndTrustCaWhenThroughputRunsOverEachTransport(String transport) {
        Outcome o = BenchCommandTest.bench(secured(brief("throughput", "--transport", transport, "--producers", "2",
                "--consumers", "2")));

        assertClean(o, "throughput");
        assertThat(o.num("errors")).isZero();
        assertThat(o.num("delivered")).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "stream", "sqs"})
    void shouldBeRefusedWhenNoTokenIsGiven(String transport) {
        String[] args = brief("throughput", "--transport", transport, "--url", server.url(), "--cacert",
                ca.toString(), "--auth-token", "");

        Outcome o = BenchCommandTest.bench(args);

        assertThat(o.exit()).as(o.out() + o.err()).isNotZero();
        assertThat(o.result()).isEmpty();
    }

    @Test
    void shouldSendTokenWhenLockdW1AndW2Run() {
        assertClean(BenchCommandTest.bench(secured(brief("lockd", "--producers", "2", "--consumers", "2"))), "lockd");
        assertClean(BenchCommandTest.bench(secured(brief("w1", "--producers", "2", "--consumers", "2"))), "w1");
        assertClean(BenchCommandTest.bench(secured(brief("w2"))), "w2");
    }

    @Test
    void shouldSendTokenWhenLocksRun() {
        // 3 s, not 1: under a heavily loaded machine 1 s made no cycle (as in BenchCommandTest)
        Outcome o = BenchCommandTest.bench(secured("locks", "--mode", "cycle", "--clients", "2", "--warmup", "0",
                "--duration", "3"));

        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).containsPattern("(?m)^RESULT scenario=locks-cycle ops_per_s=[1-9]\\d* .* errors=0$")
                .doesNotContain(TOKEN);
    }

    @Test
    void shouldSendTokenWhenPushRuns() {
        Outcome o = BenchCommandTest.bench(secured("push", "--endpoints", "2", "--messages", "50", "--timeout-s",
                "60"));

        assertThat(o.exit()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).containsPattern("(?m)^RESULT scenario=push msgs_per_s=[1-9]\\d* .* lost=0 duplicated=0 ")
                .doesNotContain(TOKEN);
    }
}
