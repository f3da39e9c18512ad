package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest in the journal: nothing secret reaches a file in clear, a tampered sealed
 * entry is refused as {@code corrupt} while everything else is served, and after a key rotation
 * compaction leaves no record under the old key, which can then be removed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EncryptedJournalTest {
    private static final QueueConfig ENCRYPTED = QueueConfig.DEFAULTS.withEncrypted(true);
    private static final String OLD = Keyring.newKeyLine("old-key-0001");
    private static final String NEW = Keyring.newKeyLine("new-key-0002");

    @TempDir
    Path dir;
    private long grace;

    @BeforeEach
    void noDeleteGrace() {
        grace = Space.deleteGraceMs;
        Space.deleteGraceMs = 0;
    }

    @AfterEach
    void restoreGrace() {
        Space.deleteGraceMs = grace;
    }

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static BrokerSettings settings(String keys, boolean all) {
        return BrokerSettings.DEFAULTS.withAtRest(new AtRest(Optional.of(Keyring.parse(keys, "test")), all));
    }

    private EmbeddedBroker open(EmbeddedConfig c, BrokerSettings s) {
        return EmbeddedBroker.open(c, s);
    }

    private static byte[] marked(String marker, int size) {
        byte[] p = new byte[size];
        Arrays.fill(p, (byte) 'x');
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(m, 0, p, 0, m.length);
        for (int i = m.length; i + m.length < size; i += 4096) {
            System.arraycopy(m, 0, p, i, m.length);
        }
        return p;
    }

    /** Whether any file under the data directory holds {@code needle}. */
    private boolean anyFileHolds(byte[] needle) throws IOException {
        while (true) {
            List<Path> listed;
            try (Stream<Path> files = Files.walk(dir)) {
                listed = files.filter(Files::isRegularFile).toList();
            } catch (java.io.UncheckedIOException e) {
                if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
                    continue; // a file (a snapshot's .tmp, say) went away while the walk listed it: list again
                }
                throw e;
            }
            return anyHolds(listed, needle);
        }
    }

    private static boolean anyHolds(List<Path> listed, byte[] needle) throws IOException {
        for (Path f : listed) {
            byte[] all;
            try {
                all = Files.readAllBytes(f);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // deleted by the broker while we looked
            }
            if (new String(all, StandardCharsets.ISO_8859_1).contains(
                    new String(needle, StandardCharsets.ISO_8859_1))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] keyHeader(String id) {
        byte[] b = new byte[2 + id.length()];
        b[0] = 1;
        b[1] = (byte) id.length();
        System.arraycopy(id.getBytes(StandardCharsets.US_ASCII), 0, b, 2, id.length());
        return b;
    }

    @Test
    void shouldKeepPayloadsResultsAndLockStateOutOfTheFilesWhenEncrypted() throws IOException {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withPayloadCacheBytes(0);
        byte[] small = marked("SMALL-SECRET", 500);
        byte[] large = marked("LARGE-SECRET", 300_000);
        Path upload = dir.resolve("upload.bin");
        long id;
        try (EmbeddedBroker b = open(c, settings(OLD, true))) {
            get(b.putQueue("q", ENCRYPTED));
            id = get(b.push("q", List.of(NewMessage.of(small))))[0];
            Files.write(upload, large);
            get(b.push("q", List.of(new NewMessage(dev.spool.api.MessageBody.of(Payload.ofFile(upload, large.length)), 0, 0, 0, Optional.empty()))));
            List<Delivery> d = get(b.pop("q", new PopRequest("default", 1, 600_000, 0)));
            assertThat(d.get(0).body().payload().toBytes()).isEqualTo(small);
            get(b.ack("q", new AckRequest("default", Receipts.of(d),
                    Optional.of(new TaskResult(Payload.ofUtf8("RESULT-SECRET"), "text/plain")))));
            LockLease l = get(b.acquireLock("lk", new LockRequest("t", 600_000, 0)));
            get(b.putLockState("lk", new LockStateWrite(l.fence(), Payload.ofUtf8("LOCK-STATE-SECRET"),
                    "text/plain", OptionalLong.empty())));
            JournalRecoveryTest.snapshotNow(b);
        }
        Files.delete(upload);
        for (String secret : List.of("SMALL-SECRET", "LARGE-SECRET", "RESULT-SECRET", "LOCK-STATE-SECRET")) {
            assertThat(anyFileHolds(secret.getBytes(StandardCharsets.US_ASCII))).as(secret).isFalse();
        }
        try (EmbeddedBroker b = open(c, settings(OLD, true))) {
            assertThat(b.journal().recoveredFromSnapshot()).isTrue();
            assertThat(get(b.getMessage("q", id, MessageQuery.NOW)).result().orElseThrow().payload().asUtf8())
                    .isEqualTo("RESULT-SECRET");
            List<Delivery> d = get(b.pop("q", new PopRequest("default", 1, 600_000, 0)));
            assertThat(d.get(0).body().payload()).isInstanceOf(Payload.Streamed.class);
            assertThat(d.get(0).body().payload().size()).isEqualTo(large.length);
            assertThat(d.get(0).body().payload().toBytes()).isEqualTo(large);
            assertThat(get(b.getLockState("lk")).payload().asUtf8()).isEqualTo("LOCK-STATE-SECRET");
        }
        assertThatThrownBy(() -> open(c, BrokerSettings.DEFAULTS)).hasMessageContaining("no encryption keyring");
    }

    @Test
    void shouldKeepADeadLetterOfAnEncryptedQueueSealed() throws IOException {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withPayloadCacheBytes(0);
        try (EmbeddedBroker b = open(c, settings(OLD, false))) {
            get(b.putQueue("q", ENCRYPTED.withMaxAttempts(1)));
            get(b.push("q", List.of(NewMessage.of(marked("DEAD-SECRET", 400)))));
            List<Delivery> d = get(b.pop("q", new PopRequest("default", 1, 600_000, 0)));
            get(b.nack("q", new dev.spool.api.NackRequest("default", Receipts.of(d), OptionalLong.empty(),
                    Optional.of("boom"), true)));
            String dlq = ENCRYPTED.deadLetterQueueFor("q");
            List<Delivery> dead = get(b.pop(dlq, new PopRequest("default", 1, 600_000, 5_000)));
            assertThat(dead.get(0).body().payload().toBytes()).isEqualTo(marked("DEAD-SECRET", 400));
            assertThat(get(b.getQueue(dlq)).config().encrypted()).isFalse();
        }
        assertThat(anyFileHolds("DEAD-SECRET".getBytes(StandardCharsets.US_ASCII))).isFalse();
    }

    @Test
    void shouldRefuseAnEncryptedQueueWhenTheServerHasNoKeyring() {
        try (EmbeddedBroker b = open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS)) {
            assertThatThrownBy(() -> get(b.putQueue("q", ENCRYPTED))).isInstanceOfSatisfying(CompletionException.class,
                    e -> {
                        SpoolException s = (SpoolException) e.getCause();
                        assertThat(s.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(s.field()).contains("encrypted");
                    });
            assertThatThrownBy(() -> get(b.getQueue("q"))).hasCauseInstanceOf(SpoolException.class);
        }
    }

    @Test
    void shouldReportCorruptWhenASealedPayloadIsTamperedEvenWithItsCrcFixed() throws IOException {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withPayloadCacheBytes(0);
        try (EmbeddedBroker b = open(c, settings(OLD, false))) {
            get(b.putQueue("q", ENCRYPTED));
            long bad = get(b.push("q", List.of(NewMessage.of(marked("A", 300)))))[0];
            get(b.push("q", List.of(NewMessage.of(marked("GOOD", 300)))));
            Msg m = msg(b, "q", bad);
            Path seg = Segments.path(dir.resolve("journal"), JournalPos.segment(m.location));
            tamperPayload(seg, JournalPos.offset(m.location), m.storedBytes);

            assertThatThrownBy(() -> get(b.pop("q", new PopRequest("default", 1, 600_000, 0))))
                    .isInstanceOfSatisfying(CompletionException.class, e -> {
                        SpoolException s = (SpoolException) e.getCause();
                        assertThat(s.code()).isEqualTo(ErrorCode.CORRUPT);
                        assertThat(s.getMessage()).contains("integrity check").contains(seg.toString());
                    });
            List<Delivery> good = get(b.pop("q", new PopRequest("default", 1, 600_000, 0)));
            assertThat(good.get(0).body().payload().asUtf8()).startsWith("GOOD");
            assertThatThrownBy(() -> get(b.getMessage("q", bad, MessageQuery.NOW)))
                    .hasRootCauseInstanceOf(SpoolException.class).hasMessageContaining("integrity check");
        }
    }

    private static Msg msg(EmbeddedBroker b, String queue, long id) {
        Msg[] out = new Msg[1];
        get(b.onEngine(() -> out[0] = b.engine().sm.queues.get(queue).msgs.get(id)));
        return out[0];
    }

    /** Flips the last payload byte (inside the GCM tag) and rewrites the entry's payload CRC to match. */
    private static void tamperPayload(Path seg, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer entry = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(entry, offset);
            byte[] e = entry.array();
            e[length - 20] ^= 0x01;
            long payloadLength = 0;
            // the payload is the entry's last bytes; its length is the int64 right before it
            for (int at = EntryCodec.FIXED; at + 8 <= length; at++) {
                long v = ByteBuffer.wrap(e, at, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                if (v == length - at - 8) {
                    payloadLength = v;
                    break;
                }
            }
            assertThat(payloadLength).isPositive();
            CRC32C crc = new CRC32C();
            crc.update(e, (int) (length - payloadLength), (int) payloadLength);
            ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN).putInt(8, (int) crc.getValue());
            ch.write(ByteBuffer.wrap(e), offset);
        }
    }

    @Test
    void shouldLeaveNoRecordUnderTheOldKeyWhenRotatedAndCompacted() throws IOException {
        EmbeddedConfig c = EmbeddedConfig.journal(dir).withSegmentBytes(4096).withSnapshotEveryBytes(4096);
        List<byte[]> kept = new ArrayList<>();
        try (EmbeddedBroker b = open(c, settings(OLD, true))) {
            for (int i = 0; i < 5; i++) {
                kept.add(marked("KEPT-" + i, 700));
                get(b.push("kept", List.of(NewMessage.of(kept.get(i)))));
            }
            LockLease l = get(b.acquireLock("lk", new LockRequest("t", 600_000, 0)));
            get(b.putLockState("lk", new LockStateWrite(l.fence(), Payload.ofUtf8("STATE"), "text/plain",
                    OptionalLong.empty())));
        }
        assertThat(anyFileHolds(keyHeader("old-key-0001"))).isTrue();
        try (EmbeddedBroker b = open(c, settings(OLD + "\n" + NEW, true))) {
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(NewMessage.of(new byte[300]));
            }
            for (int round = 0; round < 300 && anyFileHolds(keyHeader("old-key-0001")); round++) {
                get(b.push("churn", batch));
                List<Delivery> d = get(b.pop("churn", new PopRequest("default", 20, 60_000, 0)));
                get(b.ack("churn", AckRequest.of(Receipts.of(d))));
            }
            assertThat(anyFileHolds(keyHeader("old-key-0001"))).as("a file still holds a record under the old key")
                    .isFalse();
            assertThat(anyFileHolds(keyHeader("new-key-0002"))).isTrue();
        }
        try (EmbeddedBroker b = open(c, settings(NEW, true))) {
            List<Delivery> d = get(b.pop("kept", new PopRequest("default", 10, 60_000, 0)));
            assertThat(d).hasSize(5);
            for (int i = 0; i < 5; i++) {
                assertThat(d.get(i).body().payload().toBytes()).isEqualTo(kept.get(i));
            }
            assertThat(get(b.getLockState("lk")).payload().asUtf8()).isEqualTo("STATE");
        }
    }

    @Test
    void shouldMoveA64MiBEncryptedPayloadWithoutHoldingItOnTheHeap() throws Exception {
        long size = 64L << 20;
        Path file = dir.resolve("big.bin");
        byte[] want = RandomFiles.write(file, size, 3);
        java.lang.management.MemoryMXBean mem = java.lang.management.ManagementFactory.getMemoryMXBean();
        // the heap bound is the point here, not durability: without forcing 64 MiB (which took over a
        // minute on a busy CI disk once) the test does not depend on the disk's speed
        EmbeddedConfig c = EmbeddedConfig.journal(dir.resolve("j")).withFsync(FsyncPolicy.NEVER);
        try (EmbeddedBroker b = open(c, settings(OLD, false))) {
            get(b.putQueue("big", ENCRYPTED.withMaxMessageBytes(128L << 20)));
            long before = usedAfterGc(mem);
            long[] peak = new long[1];
            java.util.concurrent.ScheduledExecutorService sampler =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleWithFixedDelay(() -> {
                System.gc();
                synchronized (peak) {
                    peak[0] = Math.max(peak[0], mem.getHeapMemoryUsage().getUsed());
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            byte[] got;
            try {
                get(b.push("big", List.of(new NewMessage(dev.spool.api.MessageBody.of(Payload.ofFile(file, size)), 0,
                        0, 0, Optional.empty()))));
                Delivery d = get(b.pop("big", new PopRequest("default", 1, 1, 0))).get(0);
                assertThat(d.body().payload()).isInstanceOf(Payload.Streamed.class);
                assertThat(d.body().payload().size()).isEqualTo(size);
                got = RandomFiles.sha256(d.body().payload());
            } finally {
                sampler.shutdown();
                assertThat(sampler.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(got).isEqualTo(want);
            synchronized (peak) {
                assertThat(peak[0] - before).as("live heap growth while a 64 MiB encrypted payload moved, bytes")
                        .isLessThan(32L << 20);
            }
        }
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(64);
        }
        Files.delete(file);
        assertThat(anyFileHolds(head)).as("the payload's first bytes in clear").isFalse();
        try (EmbeddedBroker b = open(c, settings(OLD, false))) {
            Delivery d = get(b.pop("big", new PopRequest("default", 1, 600_000, 10_000))).get(0);
            assertThat(RandomFiles.sha256(d.body().payload())).isEqualTo(want);
        }
    }

    private static long usedAfterGc(java.lang.management.MemoryMXBean mem) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
