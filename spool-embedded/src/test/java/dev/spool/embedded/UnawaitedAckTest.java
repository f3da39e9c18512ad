package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;

/**
 * An ack whose sender waits for no reply ({@link EmbeddedBroker#ackUnawaited}, a stream ack frame
 * without {@code req}) is not forced on its own under {@code fsync=always}: the next group's force
 * covers it, or an idle force soon after, and its reply completes only with that force. Segment
 * forces are counted, then held at a gate.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnawaitedAckTest {
    @TempDir
    Path dir;

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    private EmbeddedBroker open(JournalFiles files) {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS, System::currentTimeMillis,
                files);
    }

    @Test
    void shouldCompleteAnUnawaitedAckWithTheForceOfTheNextPush() {
        GatedSegmentFiles files = new GatedSegmentFiles();
        try (EmbeddedBroker b = open(files)) {
            JournalWriter writer = b.journal().writer();
            writer.earlyForceDelayNanos = TimeUnit.HOURS.toNanos(1);
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            List<Delivery> ds = get(b.pop("q", PopRequest.of(1)));
            int forces = files.forces.get();
            int writes = files.writes.get();
            files.gate = new CountDownLatch(1);
            CompletableFuture<Outcomes> ack = b.ackUnawaited("q", AckRequest.of(Receipts.of(ds)))
                    .toCompletableFuture();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> files.writes.get() > writes);
            CompletableFuture<long[]> push = b.push("q", List.of(NewMessage.ofUtf8("b"))).toCompletableFuture();
            // the push's force has started (held at the gate); the ack, written before it, waits for it
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> files.forces.get() > forces);
            assertThat(ack).as("its records are not forced yet").isNotDone();
            files.gate.countDown();
            get(push);
            assertThat(get(ack).get(0)).isEqualTo(ReceiptOutcome.OK);
            assertThat(files.forces.get()).as("one force covers the lease, the ack and the push")
                    .isEqualTo(forces + 1);
        }
    }

    @Test
    void shouldForceAnUnawaitedAckSoonWhenNothingFollowsAndKeepItAcrossARestart() {
        try (EmbeddedBroker b = open(JournalFiles.REAL)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"))));
            List<Delivery> ds = get(b.pop("q", PopRequest.of(1)));
            JournalWriter writer = b.journal().writer();
            long forcedBefore = writer.forced();
            assertThat(get(b.ackUnawaited("q", AckRequest.of(Receipts.of(ds)))).get(0)).isEqualTo(ReceiptOutcome.OK);
            assertThat(writer.forced()).isGreaterThan(forcedBefore);
        }
        try (EmbeddedBroker b = open(JournalFiles.REAL)) {
            assertThat(get(b.pop("q", PopRequest.of(10)))).extracting(d -> d.body().payload().asUtf8())
                    .containsExactly("b");
        }
    }

    @Test
    void shouldAnswerAnUnawaitedAckOfAStaleReceiptAtOnce() {
        try (EmbeddedBroker b = open(JournalFiles.REAL)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            List<Delivery> ds = get(b.pop("q", PopRequest.of(1)));
            get(b.ack("q", AckRequest.of(Receipts.of(ds))));
            assertThat(get(b.ackUnawaited("q", AckRequest.of(Receipts.of(ds)))).get(0))
                    .isNotEqualTo(ReceiptOutcome.OK);
        }
    }
}
