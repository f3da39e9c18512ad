package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;

/** Large records: a close during their write, and a crash that tore one. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LargeRecordJournalTest {
    private static final long SIZE = 48L << 20;

    @TempDir
    Path dir;

    /**
     * A close that interrupted the writer thread to wake it closed the segment's channel under a
     * write in progress (FileChannel is interruptible): the push failed, the segment kept half a
     * record, and the next open scanned that garbage for a valid record (it timed out a CI run).
     * Close now lets the writer finish what was queued.
     */
    @Test
    void shouldFinishALargeWriteInProgressWhenClosed() throws Exception {
        Path file = dir.resolve("big.bin");
        byte[] want = RandomFiles.write(file, SIZE, 5);
        EmbeddedConfig c = EmbeddedConfig.journal(dir.resolve("j")).withFsync(FsyncPolicy.NEVER);
        CompletableFuture<long[]> pushed;
        try (EmbeddedBroker b = EmbeddedBroker.open(c, BrokerSettings.DEFAULTS)) {
            b.putQueue("big", QueueConfig.DEFAULTS.withMaxMessageBytes(64L << 20)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            pushed = b.push("big", List.of(new NewMessage(MessageBody.of(Payload.ofFile(file, SIZE)), 0, 0, 0,
                    Optional.empty()))).toCompletableFuture();
            // closed at once, while the writer copies the payload in
        }
        assertThat(pushed.get(30, TimeUnit.SECONDS)).hasSize(1);
        try (EmbeddedBroker b = EmbeddedBroker.open(c, BrokerSettings.DEFAULTS)) {
            List<Delivery> d = b.pop("big", new PopRequest("default", 1, 60_000, 0)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            assertThat(d).hasSize(1);
            assertThat(RandomFiles.sha256(d.get(0).body().payload())).isEqualTo(want);
        }
    }

    /**
     * A crash in the middle of a large record leaves its head and part of its payload: the open cuts
     * it as a torn tail (its bytes go to {@code recovered/}) and keeps what came before. Telling a
     * torn tail from damage means looking for a valid record after it at every offset of the
     * payload's random bytes (SegmentReader.findValidAfter; docs/engine.md has what that costs).
     */
    @Test
    void shouldCutATornLargeRecordAndKeepWhatCameBefore() throws Exception {
        Path file = dir.resolve("big.bin");
        RandomFiles.write(file, SIZE, 5);
        EmbeddedConfig c = EmbeddedConfig.journal(dir.resolve("j")).withFsync(FsyncPolicy.NEVER);
        try (EmbeddedBroker b = EmbeddedBroker.open(c, BrokerSettings.DEFAULTS)) {
            b.putQueue("big", QueueConfig.DEFAULTS.withMaxMessageBytes(64L << 20)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            b.push("big", List.of(NewMessage.ofUtf8("before"))).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            b.push("big", List.of(new NewMessage(MessageBody.of(Payload.ofFile(file, SIZE)), 0, 0, 0,
                    Optional.empty()))).toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        Path seg;
        try (Stream<Path> s = Files.list(dir.resolve("j").resolve("journal"))) {
            seg = s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - SIZE / 2); // the crash came half way through the payload
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(c, BrokerSettings.DEFAULTS)) {
            List<Delivery> d = b.pop("big", new PopRequest("default", 10, 60_000, 0)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            assertThat(d).extracting(x -> x.body().payload().asUtf8()).containsExactly("before");
        }
        try (Stream<Path> s = Files.list(dir.resolve("j").resolve("recovered"))) {
            assertThat(s.filter(p -> p.getFileName().toString().endsWith(".tail"))).hasSize(1);
        }
    }
}
