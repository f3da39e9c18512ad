package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.SpoolException;

/**
 * A large payload pushed from a file is spliced into the segment by the writer without being read
 * there: its CRC32C, carried by the payload or read once when its entry is encoded, is combined
 * into the record's. The record and the entry must still pass replay and {@code journal check},
 * and a byte that differs from what was checksummed must still be caught.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SplicedPayloadTest {
    private static final int SIZE = 3 << 20;

    @TempDir
    Path dir;
    @TempDir
    Path uploads;

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    private EmbeddedBroker open() {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir).withPayloadCacheBytes(0), BrokerSettings.DEFAULTS);
    }

    private Path upload(String name, byte[] bytes) throws IOException {
        Path f = uploads.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    private static NewMessage msg(Payload p) {
        return new NewMessage(MessageBody.of(p), 0, 0, 0, Optional.empty());
    }

    private static byte[] popOne(EmbeddedBroker b) {
        List<Delivery> ds = get(b.pop("q", new PopRequest("default", 1, 600_000, 0)));
        assertThat(ds).hasSize(1);
        return ds.get(0).body().payload().toBytes();
    }

    @Test
    void shouldReplayAndCheckCleanWhenPayloadsOfKnownAndUnknownCrcShareOneRecord() throws IOException {
        byte[] known = random(1, SIZE);
        byte[] unknown = random(2, SIZE + 17);
        byte[] inline = random(3, 100);
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.push("q", List.of(
                    msg(Payload.ofFile(upload("a", known), known.length, crc(known))),
                    msg(Payload.of(inline)),
                    msg(Payload.ofFile(upload("b", unknown), unknown.length)))));
        }

        JournalTool.Report report = JournalTool.check(dir);
        assertThat(report.verdict()).as("%s", report.findings()).isEqualTo(JournalTool.Verdict.CLEAN);
        try (EmbeddedBroker b = open()) {
            assertThat(popOne(b)).isEqualTo(known);
            assertThat(popOne(b)).isEqualTo(inline);
            assertThat(popOne(b)).isEqualTo(unknown);
        }
    }

    @Test
    void shouldReportDamageWhenAByteOfASplicedPayloadFlipsOnDisk() throws IOException {
        byte[] payload = random(4, SIZE);
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.push("q", List.of(msg(Payload.ofFile(upload("a", payload), payload.length,
                    crc(payload))))));
        }
        Path seg = flip(payload, SIZE / 2);

        JournalTool.Report report = JournalTool.check(dir);
        assertThat(report.verdict()).isNotEqualTo(JournalTool.Verdict.CLEAN);
        assertThat(report.findings()).anySatisfy(f -> assertThat(f.file()).endsWith(seg.getFileName().toString()));
    }

    @Test
    void shouldRefuseToHandOutAPayloadWhoseClaimedCrcDoesNotMatchItsBytes() throws IOException {
        byte[] payload = random(5, SIZE);
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.push("q", List.of(msg(Payload.ofFile(upload("a", payload), payload.length,
                    crc(payload) ^ 1)))));
            get(b.push("q", List.of(msg(Payload.ofFile(upload("b", payload), payload.length,
                    crc(payload))))));

            assertThatThrownBy(() -> get(b.pop("q", new PopRequest("default", 1, 600_000, 0))))
                    .isInstanceOfSatisfying(CompletionException.class, e -> {
                        assertThat(e.getCause()).isInstanceOf(SpoolException.class);
                        assertThat(((SpoolException) e.getCause()).code()).isEqualTo(ErrorCode.INTERNAL);
                        assertThat(e.getCause().getMessage()).contains("journal corruption").contains("CRC32C");
                    });
            assertThat(popOne(b)).isEqualTo(payload);
        }
    }

    @Test
    void shouldFailOnlyThePushWhenAFileOfKnownCrcIsMissingOrShort() throws IOException {
        byte[] payload = random(6, SIZE);
        Path shortFile = upload("short", Arrays.copyOf(payload, SIZE - 1));
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));

            assertThatThrownBy(() -> get(b.push("q", List.of(msg(Payload.ofFile(uploads.resolve("gone"), SIZE,
                    crc(payload))))))).isInstanceOf(CompletionException.class);
            assertThatThrownBy(() -> get(b.push("q", List.of(msg(Payload.ofFile(shortFile, SIZE, crc(payload)))))))
                    .isInstanceOf(CompletionException.class);

            get(b.push("q", List.of(msg(Payload.ofFile(upload("whole", payload), SIZE, crc(payload))))));
            assertThat(popOne(b)).isEqualTo(payload);
        }
    }

    /** Flips the byte at {@code at} of {@code payload} where the only segment holds it. */
    private Path flip(byte[] payload, int at) throws IOException {
        Path seg;
        try (var files = Files.list(dir.resolve("journal"))) {
            seg = files.filter(f -> f.toString().endsWith(".seg")).sorted().toList().get(0);
        }
        byte[] all = Files.readAllBytes(seg);
        int start = -1;
        for (int i = 0; i + 64 <= all.length && start < 0; i++) {
            if (Arrays.equals(all, i, i + 64, payload, 0, 64)) {
                start = i;
            }
        }
        assertThat(start).as("payload in %s", seg).isPositive();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (all[start + at] ^ 0x01)}), start + at);
        }
        return seg;
    }
}
