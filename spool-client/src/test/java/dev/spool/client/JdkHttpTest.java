package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;

/**
 * The request/reply transport on the JDK's HTTP client ({@code -Dspool.client.http=jdk}, what the
 * {@code spool} command uses): the same answers as the Vert.x one, without starting Vert.x.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkHttpTest {
    private static TestServer t;
    private static String previous;

    @BeforeAll
    static void start() {
        previous = System.getProperty(JdkHttp.PROPERTY);
        t = TestServer.start();
        System.setProperty(JdkHttp.PROPERTY, "jdk");
    }

    @AfterAll
    static void stop() {
        if (previous == null) {
            System.clearProperty(JdkHttp.PROPERTY);
        } else {
            System.setProperty(JdkHttp.PROPERTY, previous);
        }
        t.close();
    }

    @Test
    void shouldPushPopAndRawPopWithoutStartingVertx() {
        try (SpoolClient c = SpoolClient.connect(t.server.url())) {
            long[] ids = SpoolClient.await(c.push("jdk", List.of(NewMessage.ofUtf8("one"),
                    NewMessage.builder("{\"n\":2}").contentType(MessageBody.JSON).build())));
            List<Delivery> ds = SpoolClient.await(c.pop("jdk", PopRequest.of(1)));
            assertThat(ds).extracting(Delivery::id).containsExactly(ids[0]);
            assertThat(ds.get(0).body().payload().asUtf8()).isEqualTo("one");
            Optional<Delivery> raw = SpoolClient.await(c.popRaw("jdk", PopRequest.of(1)));
            assertThat(raw).isPresent();
            assertThat(raw.get().body().payload().asUtf8()).isEqualTo("{\"n\":2}");
            assertThat(raw.get().body().contentType()).isEqualTo(MessageBody.JSON);
            assertThat(SpoolClient.await(c.listQueues())).extracting(q -> q.name()).contains("jdk");
            assertThat(c.transport().vertxStarted()).isFalse();
        }
    }

    @Test
    void shouldReportServerErrorsWithCodeAndField() {
        try (SpoolClient c = SpoolClient.connect(t.server.url())) {
            assertThatThrownBy(() -> SpoolClient.await(c.getQueue("never-made")))
                    .isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_NOT_FOUND);
                        assertThat(e.getCause()).isNull();
                    });
            assertThatThrownBy(() -> SpoolClient.await(c.patchQueue("never-made", Map.of("max_attempts", -1))))
                    .isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.field()).contains("max_attempts"));
        }
    }

    @Test
    void shouldFailWithConnectExceptionCauseWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SpoolClient c = SpoolClient.connect("http://127.0.0.1:" + port)) {
            assertThatThrownBy(() -> SpoolClient.await(c.listQueues())).isInstanceOfSatisfying(SpoolException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                        assertThat(Transport.isConnectFailure(e)).isTrue();
                    });
        }
        assertThat(ConnectException.class).isNotNull();
    }
}
