package dev.spool.embeddedserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;
import dev.spool.client.SpoolClient;

/** {@link Spool#embedded()}: a real server in this JVM, its client, and a clean close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedSpoolTest {
    @Test
    void shouldServePushAndPopThroughItsClientWhenStartedInMemory() {
        try (EmbeddedSpool spool = Spool.embedded()) {
            assertThat(spool.url()).isEqualTo("http://127.0.0.1:" + spool.port());
            long[] ids = SpoolClient.await(spool.client().push("jobs", List.of(NewMessage.ofUtf8("hello"))));
            List<Delivery> ds = SpoolClient.await(spool.client().pop("jobs", PopRequest.of(1)));
            assertThat(ds).extracting(Delivery::id).containsExactly(ids[0]);
            assertThat(ds.get(0).body().payload().asUtf8()).isEqualTo("hello");
            assertThat(SpoolClient.await(spool.client().health()).ready()).isTrue();
        }
    }

    @Test
    void shouldReleaseThePortAndRefuseCallsWhenClosed() throws IOException {
        EmbeddedSpool spool = Spool.embedded();
        int port = spool.port();
        SpoolClient client = spool.client();
        spool.close();
        assertThatThrownBy(() -> SpoolClient.await(client.listQueues())).isInstanceOfSatisfying(SpoolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        try (ServerSocket again = new ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
        spool.close(); // twice is fine
    }

    @Test
    void shouldKeepMessagesInATemporaryJournalAndDeleteItWhenClosed() {
        Path dir;
        try (EmbeddedSpool spool = Spool.embeddedWithJournal()) {
            dir = spool.server().config().storage().dataDir();
            SpoolClient.await(spool.client().push("durable", List.of(NewMessage.ofUtf8("kept"))));
            assertThat(dir).isDirectory();
            assertThat(dir.toFile().list()).isNotEmpty();
        }
        assertThat(Files.exists(dir)).as("temporary data directory deleted").isFalse();
    }

    @Test
    void shouldDeleteEveryQueueIncludingDeadLetterQueues() {
        try (EmbeddedSpool spool = Spool.embedded()) {
            SpoolClient.await(spool.client().push("a", List.of(NewMessage.ofUtf8("1"))));
            SpoolClient.await(spool.client().push("a.dlq", List.of(NewMessage.ofUtf8("2"))));
            SpoolClient.await(spool.client().push("b", List.of(NewMessage.ofUtf8("3"))));
            spool.deleteAllQueues();
            assertThat(SpoolClient.await(spool.client().listQueues())).isEmpty();
        }
    }
}
