package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;

/**
 * The journal writer's zeros ahead ({@link ZerosAhead}): small commits overwrite zeros written
 * past the end of the segment instead of growing the file, the zeros are cut on close, and a journal
 * left with them (a crash) opens with every acknowledged message and keeps no "torn tail".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZeroAheadTest {
    @TempDir
    Path dir;

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private Path segment(Path data) {
        return Segments.path(data.resolve("journal"), 1);
    }

    @Test
    void shouldWriteZerosAheadOfSmallCommitsAndCutThemWhenClosed() throws IOException {
        Path data = dir.resolve("data");
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(data), BrokerSettings.DEFAULTS)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("one"))));
            long afterFirst = Files.size(segment(data));
            assertThat(afterFirst).isGreaterThanOrEqualTo(ZerosAhead.BYTES);
            for (int i = 0; i < 20; i++) {
                get(b.push("q", List.of(NewMessage.ofUtf8("more-" + i))));
            }
            assertThat(Files.size(segment(data))).as("small commits overwrite the zeros").isEqualTo(afterFirst);
        }
        long closed = Files.size(segment(data));
        assertThat(closed).isLessThan(4096);
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(data), BrokerSettings.DEFAULTS)) {
            assertThat(get(b.pop("q", PopRequest.of(100)))).hasSize(21);
        }
    }

    @Test
    void shouldOpenAJournalLeftWithZerosAheadWithEveryMessageAndNoTornTail() throws IOException {
        Path data = dir.resolve("data");
        Path crashed = dir.resolve("crashed");
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(data), BrokerSettings.DEFAULTS)) {
            for (int i = 0; i < 10; i++) {
                get(b.push("q", List.of(NewMessage.ofUtf8("m" + i))));
            }
            // what a crash leaves: the acknowledged records, then the zeros written ahead
            copy(data, crashed);
        }
        assertThat(Files.size(segment(crashed))).isGreaterThanOrEqualTo(ZerosAhead.BYTES);
        JournalTool.Report check = JournalTool.check(crashed);
        assertThat(check.verdict()).isEqualTo(JournalTool.Verdict.RECOVERS);
        assertThat(check.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(JournalTool.Severity.NOTE);
            assertThat(f.what()).contains("zero bytes written ahead");
        });
        try (EmbeddedBroker b = EmbeddedBroker.open(EmbeddedConfig.journal(crashed), BrokerSettings.DEFAULTS)) {
            List<Delivery> all = get(b.pop("q", PopRequest.of(100)));
            assertThat(all).extracting(d -> d.body().payload().asUtf8())
                    .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
            // a pop's reply may come before its force: end on a push, whose reply waits for it
            get(b.push("q", List.of(NewMessage.ofUtf8("after"))));
        }
        assertThat(Files.size(segment(crashed))).isLessThan(4096);
        assertThat(crashed.resolve("recovered")).doesNotExist();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (!p.getFileName().toString().equals("LOCK")) {
                    Files.copy(p, t);
                }
            }
        }
    }
}
