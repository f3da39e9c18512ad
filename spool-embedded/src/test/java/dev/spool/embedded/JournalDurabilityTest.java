package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.testkit.PowerLossFileSystem;

/**
 * One test per journal durability rule, each written to fail against the journal as it was before
 * the rule: segments are deleted only once the records that emptied them are forced; snapshots are
 * taken from the forced position under every fsync policy; a damaged newest snapshot falls back to
 * the older one; a state that cannot be rebuilt refuses to open; a failing snapshot is retried
 * with a pause, leaving no temporary files.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalDurabilityTest {
    @TempDir
    Path dir;
    private long grace;

    @BeforeEach
    void deleteAtOnce() {
        grace = Space.deleteGraceMs;
        Space.deleteGraceMs = 0;
    }

    @AfterEach
    void restore() {
        Space.deleteGraceMs = grace;
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private EmbeddedConfig small() {
        return EmbeddedConfig.journal(dir).withSegmentBytes(4096).withSnapshotEveryBytes(1L << 30);
    }

    private static String big(String tag) {
        return tag + ":" + "x".repeat(1500);
    }

    /** Pushes (then purges) filler until the journal is at least at segment {@code seg}. */
    private static void fillTo(EmbeddedBroker b, long seg) {
        int i = 0;
        while (b.journal().wal().segment() < seg) {
            get(b.push("filler", List.of(NewMessage.ofUtf8(big("f" + i++)))));
        }
        get(b.purgeQueue("filler"));
    }

    /** Snapshots and fills until segment 1 is reclaimed (its live messages compacted forward). */
    private void reclaimSegmentOne(EmbeddedBroker b) {
        Path seg1 = Segments.path(dir.resolve("journal"), 1);
        for (int i = 0; i < 6 && Files.exists(seg1); i++) {
            fillTo(b, b.journal().wal().segment() + 2);
            snapshot(b);
            get(onEngine(b, () -> null));
            get(onEngine(b, () -> null));
        }
        assertThat(Files.exists(seg1)).as("segment 1 reclaimed").isFalse();
    }

    private static void snapshot(EmbeddedBroker b) {
        JournalRecoveryTest.snapshotNow(b);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !get(onEngine(b,
                () -> b.journal().space().snapshotRunning())));
    }

    private static <T> CompletableFuture<T> onEngine(EmbeddedBroker b, java.util.function.Supplier<T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        b.onEngine(() -> out.complete(f.get()));
        return out;
    }

    /** Files whose segment forces wait at a gate, and whose snapshot writes can be held back. */
    private static final class GatedFiles extends ForwardingFiles {
        volatile CountDownLatch forceGate = new CountDownLatch(0);
        volatile CountDownLatch snapshotGate = new CountDownLatch(0);
        final AtomicInteger snapshotOpens = new AtomicInteger();
        /** System.nanoTime() of every snapshot file open, in order. */
        final java.util.List<Long> snapshotOpenTimes = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean failSnapshots;

        GatedFiles() {
            super(JournalFiles.REAL);
        }

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            String name = file.getFileName().toString();
            if (name.endsWith(".tmp")) {
                snapshotOpenTimes.add(System.nanoTime());
                snapshotOpens.incrementAndGet();
                await(snapshotGate);
                if (failSnapshots) {
                    throw new IOException("no room for a snapshot");
                }
            }
            FileChannel real = super.open(file, options);
            if (!name.endsWith(".seg")) {
                return real;
            }
            return new dev.spool.testkit.ForwardingFileChannel(real) {
                @Override
                public void force(boolean metaData) throws IOException {
                    await(forceGate);
                    super.force(metaData);
                }
            };
        }

        private static void await(CountDownLatch l) throws IOException {
            try {
                if (!l.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    @Test
    void shouldKeepASegmentUntilTheAckThatEmptiedItIsForced() throws Exception {
        GatedFiles files = new GatedFiles();
        Path seg1 = Segments.path(dir.resolve("journal"), 1);
        try (EmbeddedBroker b = EmbeddedBroker.open(small(), BrokerSettings.DEFAULTS, System::currentTimeMillis,
                files)) {
            // more than half of a segment, so compaction never moves it
            get(b.push("q", List.of(NewMessage.ofUtf8(big("m") + big("m")))));
            fillTo(b, 3);
            snapshot(b);
            fillTo(b, 5);
            List<Delivery> d = get(b.pop("q", PopRequest.of(1)));
            // a snapshot whose position is before the ack, written only once the ack is in memory
            files.snapshotGate = new CountDownLatch(1);
            get(b.onEngine(() -> b.journal().space().takeSnapshot(b.engine().now)));
            files.forceGate = new CountDownLatch(1);
            CompletableFuture<Outcomes> ack = b.ack("q", AckRequest.of(Receipts.of(d))).toCompletableFuture();
            files.snapshotGate.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !get(onEngine(b,
                    () -> b.journal().space().snapshotRunning())));
            get(onEngine(b, () -> null));
            get(onEngine(b, () -> null));
            assertThat(Files.exists(seg1)).as("segment 1 holds the message whose ack is not forced yet").isTrue();
            assertThat(ack).isNotDone();
            files.forceGate.countDown();
            get(ack);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(seg1));
        }
    }

    @Test
    void shouldForceTheJournalBeforeASnapshotUnderFsyncNever() throws Exception {
        PowerLossFileSystem fs = new PowerLossFileSystem(dir.resolve("trash"));
        EmbeddedConfig never = EmbeddedConfig.journal(dir.resolve("data")).withFsync(FsyncPolicy.NEVER);
        try (EmbeddedBroker b = EmbeddedBroker.open(never, BrokerSettings.DEFAULTS, System::currentTimeMillis,
                PowerLossHarnessFiles.of(fs))) {
            for (int i = 0; i < 20; i++) {
                get(b.push("q", List.of(NewMessage.ofUtf8(big("m" + i)))));
            }
            assertThat(fs.unforcedBytes()).as("fsync=never leaves the pushes unforced").isPositive();
            long pos = get(onEngine(b, () -> b.journal().wal().position()));
            JournalRecoveryTest.snapshotNow(b);
            assertThat(b.journal().writer().forced()).as("forced before the snapshot was written")
                    .isGreaterThanOrEqualTo(pos);
            fs.cut(new java.util.Random(1));
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(never, BrokerSettings.DEFAULTS)) {
            assertThat(b.journal().recoveredFromSnapshot()).isTrue();
            assertThat(get(b.getQueue("q")).stats().ready()).isEqualTo(20);
        }
    }

    @Test
    void shouldRebuildFromTheOlderSnapshotWhenTheNewestIsDamaged() throws Exception {
        long ready;
        try (EmbeddedBroker b = EmbeddedBroker.open(small(), BrokerSettings.DEFAULTS)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"))));
            reclaimSegmentOne(b);
            get(b.push("q", List.of(NewMessage.ofUtf8("c"))));
            fillTo(b, b.journal().wal().segment() + 2);
            snapshot(b);
            get(b.push("q", List.of(NewMessage.ofUtf8("d"))));
            ready = get(b.getQueue("q")).stats().ready();
        }
        List<Path> snaps = snapshots();
        assertThat(snaps).hasSize(2);
        flipLastByte(snaps.get(1));
        try (EmbeddedBroker b = EmbeddedBroker.open(small(), BrokerSettings.DEFAULTS)) {
            assertThat(b.journal().recoveredFromSnapshot()).isTrue();
            assertThat(get(b.getQueue("q")).stats().ready()).isEqualTo(ready);
            List<Delivery> all = get(b.pop("q", PopRequest.of(10)));
            assertThat(all).extracting(x -> x.body().payload().asUtf8()).containsExactly("a", "b", "c", "d");
        }
    }

    @Test
    void shouldRefuseToOpenWhenNoSnapshotCanRebuildWhatReclaimedSegmentsHeld() throws Exception {
        try (EmbeddedBroker b = EmbeddedBroker.open(small(), BrokerSettings.DEFAULTS)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("a"))));
            reclaimSegmentOne(b);
        }
        for (Path p : snapshots()) {
            flipLastByte(p);
        }
        assertThatThrownBy(() -> EmbeddedBroker.open(small(), BrokerSettings.DEFAULTS))
                .isInstanceOf(SpoolException.class).hasMessageContaining("cannot be rebuilt")
                .hasMessageContaining("no longer starts at segment 1");
    }

    @Test
    void shouldRetryAFailingSnapshotWithAPauseAndLeaveNoTemporaryFile() throws Exception {
        GatedFiles files = new GatedFiles();
        files.failSnapshots = true;
        EmbeddedConfig frequent = EmbeddedConfig.journal(dir).withSnapshotEveryBytes(4096);
        try (EmbeddedBroker b = EmbeddedBroker.open(frequent, BrokerSettings.DEFAULTS, System::currentTimeMillis,
                files)) {
            for (int i = 0; i < 10; i++) {
                get(b.push("q", List.of(NewMessage.ofUtf8(big("m" + i)))));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> files.snapshotOpens.get() >= 1);
            // keep writing so that a snapshot stays due; the retry must come after its pause (1 s),
            // however slow the machine (a gap is only ever longer under load)
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                get(b.push("q", List.of(NewMessage.ofUtf8(big("more")))));
                return files.snapshotOpens.get() >= 2;
            });
            long gapMs = (files.snapshotOpenTimes.get(1) - files.snapshotOpenTimes.get(0)) / 1_000_000;
            assertThat(gapMs).as("pause before the first retry").isGreaterThanOrEqualTo(900);
            files.failSnapshots = false;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !snapshots().isEmpty());
        }
        try (var s = Files.list(dir.resolve("snapshots"))) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void shouldLearnThatASnapshotFinishedEvenWhenTheEngineInboxIsFull() throws Exception {
        GatedFiles files = new GatedFiles();
        EmbeddedConfig tiny = EmbeddedConfig.journal(dir).withCommandQueueCapacity(16);
        try (EmbeddedBroker b = EmbeddedBroker.open(tiny, BrokerSettings.DEFAULTS, System::currentTimeMillis,
                files)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("m"))));
            files.snapshotGate = new CountDownLatch(1);
            get(onEngine(b, () -> {
                b.journal().space().takeSnapshot(b.engine().now);
                return null;
            }));
            CountDownLatch engineHeld = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            b.onEngine(() -> {
                engineHeld.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(engineHeld.await(10, TimeUnit.SECONDS)).isTrue();
            int refused = 0;
            for (int i = 0; i < 40; i++) {
                if (b.getQueue("q").toCompletableFuture().isCompletedExceptionally()) {
                    refused++;
                }
            }
            assertThat(refused).as("the inbox is full").isPositive();
            files.snapshotGate.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !snapshots().isEmpty());
            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !get(onEngine(b,
                    () -> b.journal().space().snapshotRunning())));
        }
    }

    private List<Path> snapshots() throws IOException {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(dir.resolve("snapshots"))) {
            s.filter(p -> p.toString().endsWith(".snap")).sorted().forEach(out::add);
        }
        return out;
    }

    private static void flipLastByte(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        b[b.length - 1] ^= 0x11;
        Files.write(p, b);
    }
}
