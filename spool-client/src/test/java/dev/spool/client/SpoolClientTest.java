package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;

/**
 * What the client adds to the Broker contract: raw forms, partial queue updates, error details,
 * operations endpoints and connection failures, against a real server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpoolClientTest {
    @RegisterExtension
    static final TestServer t = TestServer.perClass();


    @Test
    void shouldRoundTripRawPushAndRawPopWithMetadataInHeaders() {
        NewMessage m = NewMessage.builder(Payload.of(new byte[] {0, 1, 2, (byte) 255})).contentType("image/png")
                .key("user-7").priority(4).header("origin", "upload").build();
        long id = SpoolClient.await(t.client.pushRaw("raw", m));

        Optional<Delivery> d = SpoolClient.await(t.client.popRaw("raw", new PopRequest(Broker.DEFAULT_GROUP, 1, 0, 0)));

        assertThat(d).isPresent();
        assertThat(d.get().id()).isEqualTo(id);
        assertThat(d.get().attempts()).isEqualTo(1);
        MessageBody b = d.get().body();
        assertThat(b.payload().toBytes()).containsExactly(0, 1, 2, 255);
        assertThat(b.contentType()).isEqualTo("image/png");
        assertThat(b.key()).contains("user-7");
        assertThat(b.priority()).isEqualTo(4);
        assertThat(b.headers()).containsEntry("origin", "upload");
        assertThat(SpoolClient.await(t.client.popRaw("raw", new PopRequest(Broker.DEFAULT_GROUP, 1, 0, 0)))).isEmpty();
    }

    @Test
    void shouldStreamAFilePayloadAsRawPush(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[3 << 20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i % 251);
        }
        Path f = dir.resolve("big.bin");
        Files.write(f, bytes);
        long id = SpoolClient.await(t.client.pushRaw("files", NewMessage.builder(Payload.ofFile(f, bytes.length)).build()));

        List<Delivery> ds = SpoolClient.await(t.client.pop("files", PopRequest.of(1)));

        assertThat(ds).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo(id);
            assertThat(d.body().payload().toBytes()).isEqualTo(bytes);
        });
    }

    @Test
    void shouldKeepJsonPayloadsAsJsonAndOtherBytesAsBytes() {
        NewMessage json = NewMessage.builder("{\"order\": 42}").contentType(MessageBody.JSON).build();
        NewMessage text = NewMessage.builder("plain").contentType("text/plain").build();
        SpoolClient.await(t.client.push("forms", List.of(json, text)));

        List<Delivery> ds = SpoolClient.await(t.client.pop("forms", PopRequest.of(2)));

        assertThat(ds).hasSize(2);
        assertThat(ds.get(0).body().contentType()).isEqualTo(MessageBody.JSON);
        assertThat(ds.get(0).body().payload().asUtf8()).as("the bytes given, as stored").isEqualTo("{\"order\": 42}");
        assertThat(ds.get(1).body().payload().asUtf8()).isEqualTo("plain");
    }

    @Test
    void shouldChangeOnlyTheGivenSettingsWithPatchQueue() {
        SpoolClient.await(t.client.patchQueue("patched", Map.of("max_attempts", 9)));
        QueueInfo q = SpoolClient.await(t.client.patchQueue("patched", Map.of("visibility_timeout_ms", 1234)));

        assertThat(q.config().maxAttempts()).isEqualTo(9);
        assertThat(q.config().visibilityTimeoutMs()).isEqualTo(1234);
    }

    @Test
    void shouldCarryTheServersErrorCodeAndFieldInSpoolException() {
        NewMessage bad = NewMessage.builder("x").priority(12).build();

        assertThatThrownBy(() -> SpoolClient.await(t.client.push("errors", List.of(NewMessage.ofUtf8("ok"), bad))))
                .isInstanceOfSatisfying(SpoolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.field()).contains("messages[1].priority");
                    assertThat(e.getCause()).as("sent by the server").isNull();
                });
        assertThatThrownBy(() -> SpoolClient.await(t.client.getQueue("never-created")))
                .isInstanceOfSatisfying(SpoolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_NOT_FOUND));
    }

    @Test
    void shouldReportHealthReadinessAndMetrics() {
        assertThat(SpoolClient.await(t.client.alive())).isTrue();
        assertThat(SpoolClient.await(t.client.health()).ready()).isTrue();
        SpoolClient.await(t.client.push("metered", List.of(NewMessage.ofUtf8("m"))));
        assertThat(SpoolClient.await(t.client.metrics())).contains("spool_messages_pushed_total");
    }

    @Test
    void shouldFailWithUnavailableCausedByConnectExceptionWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SpoolClient c = SpoolClient.connect("http://127.0.0.1:" + port)) {
            assertThatThrownBy(() -> SpoolClient.await(c.listQueues()))
                    .isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                        assertThat(e.getMessage()).contains("cannot connect", "127.0.0.1:" + port);
                        assertThat(e).hasRootCauseInstanceOf(ConnectException.class);
                    });
        }
    }

    @Test
    void shouldRefuseABadUrlWithInvalidArgument() {
        assertThatThrownBy(() -> SpoolClient.connect("ftp://example.org"))
                .isInstanceOfSatisfying(SpoolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void shouldServeConcurrentCallersFromManyThreads() throws Exception {
        int threads = 8;
        int each = 200;
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int n = i;
            ts[i] = new Thread(() -> {
                for (int k = 0; k < each; k++) {
                    SpoolClient.await(t.client.push("shared", List.of(NewMessage.ofUtf8(n + ":" + k))));
                }
            });
            ts[i].start();
        }
        for (Thread th : ts) {
            th.join();
        }
        assertThat(SpoolClient.await(t.client.getQueue("shared")).stats().ready()).isEqualTo(threads * each);
        String first = new String(SpoolClient.await(t.client.pop("shared", PopRequest.of(1))).get(0).body().payload()
                .toBytes(), StandardCharsets.UTF_8);
        assertThat(first).matches("[0-7]:0");
    }
}
