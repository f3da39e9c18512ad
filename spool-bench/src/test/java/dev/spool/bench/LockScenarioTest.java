package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code spool bench locks} runs each mode briefly against an in-process server and reports without errors. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LockScenarioTest {
    private static final Pattern RESULT = Pattern.compile(
            "^RESULT scenario=locks-(\\S+) ops_per_s=(\\d+) p50_ms=(\\d+\\.\\d+) p99_ms=(\\d+\\.\\d+) errors=(\\d+)$",
            Pattern.MULTILINE);

    @ParameterizedTest
    @ValueSource(strings = {"cycle", "handoff", "reads"})
    void shouldReportOpsAndLatencyWithoutErrorsWhenRunBriefly(String mode) {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", mode, "--clients", "4", "--storage",
                "memory", "--warmup", "0.5", "--duration", "2", "--no-progress");
        Matcher m = RESULT.matcher(o.out());
        assertThat(m.find()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isTrue();
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(m.group(1)).isEqualTo(mode);
        assertThat(Long.parseLong(m.group(5))).as(o.out()).isZero();
        assertThat(Double.parseDouble(m.group(4))).isGreaterThanOrEqualTo(Double.parseDouble(m.group(3)));
        assertThat(o.out()).contains("scenario   locks " + mode);
    }

    @ParameterizedTest
    @ValueSource(strings = {"three", "tx", "one"})
    void shouldPipelineCyclesWithoutErrorsWhenInFlightIsAboveOne(String form) {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", "cycle", "--clients", "2", "--in-flight",
                "4", "--form", form, "--storage", "memory", "--warmup", "0.5", "--duration", "3", "--no-progress");
        Matcher m = RESULT.matcher(o.out());
        assertThat(m.find()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isTrue();
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(Long.parseLong(m.group(5))).as(o.out()).isZero();
        assertThat(Long.parseLong(m.group(2))).as(o.out()).isPositive();
        assertThat(o.out()).contains("4 in flight per client, form " + form).contains("cpu/op").contains("server engine");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cycle", "reads", "handoff"})
    void shouldRunEveryModeOverTheStreamWithoutErrors(String mode) {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", mode, "--form", "stream", "--clients",
                "3", "--in-flight", "handoff".equals(mode) ? "1" : "2", "--storage", "memory", "--warmup", "0.5",
                "--duration", "2", "--no-progress");
        Matcher m = RESULT.matcher(o.out());
        assertThat(m.find()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isTrue();
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(m.group(1)).isEqualTo(mode);
        assertThat(Long.parseLong(m.group(5))).as(o.out()).isZero();
        assertThat(Long.parseLong(m.group(2))).as(o.out()).isPositive();
        assertThat(o.out()).contains("form stream");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream", "one"})
    void shouldCycleWithAJsonStateWithoutErrors(String form) {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", "cycle", "--form", form, "--state",
                "json", "--clients", "2", "--in-flight", "2", "--storage", "memory", "--warmup", "0.5", "--duration",
                "2", "--no-progress");
        Matcher m = RESULT.matcher(o.out());
        assertThat(m.find()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isTrue();
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(Long.parseLong(m.group(5))).as(o.out()).isZero();
        assertThat(Long.parseLong(m.group(2))).as(o.out()).isPositive();
        assertThat(o.out()).contains("4096-byte JSON state");
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseAnUnknownStateKind() {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", "cycle", "--state", "xml",
                "--storage", "memory", "--duration", "1", "--no-progress");
        assertThat(o.exit()).isNotZero();
        assertThat(o.err()).contains("--state is bytes or json");
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseStreamFormWhenStateIsOver48KiB() {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", "reads", "--form", "stream",
                "--state-bytes", "60000", "--storage", "memory", "--duration", "1", "--no-progress");
        assertThat(o.exit()).isNotZero();
        assertThat(o.err()).contains("48 KiB");
    }

    @org.junit.jupiter.api.Test
    void shouldReportTheGapBetweenReleaseReplyAndNextGrantWhenHandingOff() {
        BenchCommandTest.Outcome o = BenchCommandTest.bench("locks", "--mode", "handoff", "--clients", "4", "--storage",
                "memory", "--warmup", "0.5", "--duration", "2", "--no-progress");
        assertThat(o.exit()).as(o.out()).isZero();
        assertThat(o.out()).containsPattern("reply gap  p50 \\d+\\.\\d+ .*, (?!0 pairs)\\d+ pairs");
    }
}
