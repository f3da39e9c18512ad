package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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

/** Closing the journal while its writer is in the middle of a large write. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalCloseTest {
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
        byte[] want = writeRandom(file);
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
            assertThat(digest(d.get(0).body().payload())).isEqualTo(want);
        }
    }

    private static byte[] writeRandom(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(5);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long n = 0; n < SIZE; n += chunk.length) {
                r.nextBytes(chunk);
                out.write(chunk);
                md.update(chunk);
            }
        }
        return md.digest();
    }

    private static byte[] digest(Payload p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 << 10];
        try (InputStream in = p.openStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
