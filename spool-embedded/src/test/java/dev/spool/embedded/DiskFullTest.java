package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.Health;
import dev.spool.api.MessageState;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;

/**
 * A full disk stops writes, not the server: writes fail with {@code insufficient_storage} and a
 * retry hint, reads and health go on answering, and once the disk takes writes again the journal
 * is reopened in place and writes resume by themselves, with every acknowledged write intact.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskFullTest {
    @TempDir
    Path dir;

    /** Every write through a channel opened for writing fails with ENOSPC while {@code full}. */
    private static final class FullDisk extends ForwardingFiles {
        volatile boolean full;

        FullDisk() {
            super(JournalFiles.REAL);
        }

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            FileChannel real = super.open(file, options);
            if (!List.of(options).contains(StandardOpenOption.WRITE)) {
                return real;
            }
            return new dev.spool.testkit.ForwardingFileChannel(real) {
                @Override
                public int write(ByteBuffer src) throws IOException {
                    check();
                    return super.write(src);
                }

                @Override
                public int write(ByteBuffer src, long position) throws IOException {
                    check();
                    return super.write(src, position);
                }
            };
        }

        private void check() throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
        }
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static SpoolException failure(java.util.concurrent.CompletionStage<?> s) {
        try {
            get(s);
        } catch (CompletionException e) {
            if (e.getCause() instanceof SpoolException se) {
                return se;
            }
            throw e;
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void shouldRefuseWritesWhileTheDiskIsFullServeReadsAndResumeWhenSpaceReturns() {
        FullDisk disk = new FullDisk();
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS,
                System::currentTimeMillis, disk)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("before"))));
            disk.full = true;
            SpoolException refused = failure(b.push("q", List.of(NewMessage.ofUtf8("refused"))));
            assertThat(refused.code()).isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
            assertThat(refused.retryAfterMs()).isPresent();
            SpoolException later = failure(b.push("q", List.of(NewMessage.ofUtf8("also refused"))));
            assertThat(later.code()).isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
            Health h = get(b.health());
            assertThat(h.ready()).isFalse();
            assertThat(h.detail()).contains("No space left on device");
            assertThat(get(b.listQueues())).hasSize(1);
            assertThat(get(b.browse("q", new dev.spool.api.BrowseRequest("default", MessageState.READY, 10, 0))))
                    .extracting(v -> v.body().orElseThrow().payload().asUtf8()).contains("before");

            disk.full = false;
            Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> get(b.push("q", List.of(NewMessage.ofUtf8("after")))).length == 1);
            assertThat(get(b.health()).ready()).isTrue();
            List<Delivery> all = get(b.pop("q", PopRequest.of(10)));
            assertThat(all).extracting(d -> d.body().payload().asUtf8()).containsExactly("before", "after");
        }
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS)) {
            assertThat(get(b.getQueue("q")).stats().inFlight()).isEqualTo(2);
        }
    }
}
