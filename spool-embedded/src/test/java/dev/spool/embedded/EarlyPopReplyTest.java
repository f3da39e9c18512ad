package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * Under {@code fsync=always} a pop of messages whose pushes are already forced is answered once its
 * lease records are written, without waiting for their fsync; a pop of a message whose push is not
 * forced yet, and every ack, still waits for the force. A group whose replies all completed so is
 * not forced by itself: the next group's force covers it, or an idle force soon after. The segment's
 * fsync is held at a gate and counted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EarlyPopReplyTest {
    @TempDir
    Path dir;

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    private EmbeddedBroker open(GatedSegmentFiles files) {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS, System::currentTimeMillis,
                files);
    }

    @Test
    void shouldAnswerAPopOfAForcedMessageWhileItsLeaseIsNotForcedYet() {
        GatedSegmentFiles files = new GatedSegmentFiles();
        try (EmbeddedBroker b = open(files)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            files.gate = new CountDownLatch(1);
            // the force of the pop's lease record is held at the gate; the reply is not
            List<Delivery> ds = get(b.pop("q", PopRequest.of(1)));
            assertThat(ds).extracting(d -> d.body().payload().asUtf8()).containsExactly("a");
            CompletableFuture<Outcomes> ack = b.ack("q", AckRequest.of(Receipts.of(ds))).toCompletableFuture();
            assertThat(ack).as("an ack waits for its force").isNotDone();
            files.gate.countDown();
            assertThat(get(ack).get(0)).isEqualTo(ReceiptOutcome.OK);
        }
    }

    @Test
    void shouldHoldAPopUntilTheForceWhenThePushOfItsMessageIsNotForced() {
        GatedSegmentFiles files = new GatedSegmentFiles();
        try (EmbeddedBroker b = open(files)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("warm"))));
            get(b.ack("q", AckRequest.of(Receipts.of(get(b.pop("q", PopRequest.of(1)))))));
            files.gate = new CountDownLatch(1);
            CompletableFuture<long[]> push = b.push("q", List.of(NewMessage.ofUtf8("b"))).toCompletableFuture();
            CompletableFuture<List<Delivery>> pop = b.pop("q", new PopRequest("default", 1, 0, 10_000)).toCompletableFuture();
            assertThat(push).isNotDone();
            assertThat(pop).as("its message could still be lost").isNotDone();
            files.gate.countDown();
            get(push);
            assertThat(get(pop)).extracting(d -> d.body().payload().asUtf8()).containsExactly("b");
        }
    }

    @Test
    void shouldNotForceAGroupWhoseRepliesAllCompletedEarly() {
        GatedSegmentFiles files = new GatedSegmentFiles();
        try (EmbeddedBroker b = open(files)) {
            JournalWriter writer = b.journal().writer();
            writer.earlyForceDelayNanos = TimeUnit.HOURS.toNanos(1);
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            long forcedAfterPush = writer.forced();
            int forces = files.forces.get();
            List<Delivery> ds = get(b.pop("q", PopRequest.of(1)));
            assertThat(ds).extracting(d -> d.body().payload().asUtf8()).containsExactly("a");
            get(b.push("q", List.of(NewMessage.ofUtf8("b"))));
            assertThat(files.forces.get()).as("one force covers the pop's lease and the next push")
                    .isEqualTo(forces + 1);
            assertThat(writer.forced()).isGreaterThan(forcedAfterPush).isEqualTo(writer.durable());
        }
    }

    @Test
    void shouldHoldAReadAfterAnUnforcedLeaseUntilTheForce() {
        GatedSegmentFiles files = new GatedSegmentFiles();
        try (EmbeddedBroker b = open(files)) {
            JournalWriter writer = b.journal().writer();
            writer.earlyForceDelayNanos = TimeUnit.HOURS.toNanos(1);
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            files.gate = new CountDownLatch(1);
            int forcesBefore = files.forces.get();
            assertThat(get(b.pop("q", PopRequest.of(1)))).hasSize(1);
            assertThat(files.forces.get()).as("the lease's group was not forced").isEqualTo(forcesBefore);
            // nothing is left to pop: that answer rests on the unforced lease, so it waits for its force
            CompletableFuture<List<Delivery>> empty = b.pop("q", PopRequest.of(1)).toCompletableFuture();
            assertThat(empty).isNotDone();
            files.gate.countDown();
            assertThat(get(empty)).isEmpty();
            assertThat(writer.forced()).isEqualTo(writer.durable());
        }
    }

    @Test
    void shouldForceAnUnforcedLeaseSoonWhenNothingFollows() {
        GatedSegmentFiles files = new GatedSegmentFiles();
        try (EmbeddedBroker b = open(files)) {
            JournalWriter writer = b.journal().writer();
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            long forcedAfterPush = writer.forced();
            assertThat(get(b.pop("q", PopRequest.of(1)))).hasSize(1);
            Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> writer.forced() > forcedAfterPush);
            assertThat(writer.durable()).isEqualTo(writer.forced());
        }
    }
}
