package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReceiptKeyFileTest {
    @TempDir
    Path dir;

    private EmbeddedBroker open() {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS);
    }

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static Outcomes ack(EmbeddedBroker b, String group, Delivery d) {
        return get(b.ack("q", new AckRequest(group, Receipts.of(java.util.List.of(d)), java.util.Optional.empty())));
    }

    @Test
    void shouldKeepReceiptsValidAcrossARestartWithTheSameKeyFile() throws Exception {
        Delivery d;
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.push("q", java.util.List.of(NewMessage.of("m".getBytes()))));
            d = get(b.pop("q", new PopRequest("default", 1, 600_000, 0))).get(0);
        }
        byte[] key = Files.readAllBytes(dir.resolve(ReceiptKeyFile.NAME));
        assertThat(key).hasSize(28);
        assertThat(d.receipt()).matches("[0-9a-f]{16}\\.1\\.[0-9a-f]{16}");

        try (EmbeddedBroker b = open()) {
            assertThat(Files.readAllBytes(dir.resolve(ReceiptKeyFile.NAME))).isEqualTo(key);
            assertThat(ack(b, "default", d).get(0)).isEqualTo(ReceiptOutcome.OK);
        }
    }

    @Test
    void shouldRefuseReceiptOfAGroupDeletedAndRecreatedBeforeARestart() {
        Delivery old;
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            get(b.putGroup("q", "g", new GroupSpec(StartPosition.EARLIEST)));
            get(b.push("q", java.util.List.of(NewMessage.of("m".getBytes()))));
            old = get(b.pop("q", new PopRequest("g", 1, 600_000, 0))).get(0);
            get(b.deleteGroup("q", "g"));
        }
        try (EmbeddedBroker b = open()) {
            get(b.putGroup("q", "g", new GroupSpec(StartPosition.EARLIEST)));
            Delivery again = get(b.pop("q", new PopRequest("g", 1, 600_000, 0))).get(0);
            assertThat(again.attempts()).isEqualTo(old.attempts());

            assertThat(ack(b, "g", old).get(0)).isEqualTo(ReceiptOutcome.NOT_FOUND);
            assertThat(ack(b, "g", again).get(0)).isEqualTo(ReceiptOutcome.OK);
        }
    }

    @Test
    void shouldRefuseToOpenWithADamagedKeyFileNamingIt() throws Exception {
        try (EmbeddedBroker b = open()) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
        }
        Path file = dir.resolve(ReceiptKeyFile.NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[10] ^= 1;
        Files.write(file, bytes);

        assertThatThrownBy(this::open).isInstanceOfSatisfying(SpoolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains(file.toString()).contains("damaged");
        });
        Files.delete(file);
        try (EmbeddedBroker b = open()) {
            assertThat(get(b.getQueue("q")).name()).isEqualTo("q");
        }
    }
}
