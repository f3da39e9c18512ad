package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.security.SecurityConfig;
import dev.spool.testkit.TestPki;

/** The Java client over TLS with a bearer token or a client certificate, for requests and the stream. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecureClientTest {
    private static final String ADMIN = "client-bootstrap-admin-0123456789";
    @TempDir
    static Path dir;
    private static SpoolServer server;
    private static TestPki.Issued serverCert;
    private static TestPki.Issued clientCert;

    @BeforeAll
    static void start() throws Exception {
        serverCert = new TestPki(dir).selfSigned("server", "ip:127.0.0.1");
        clientCert = new TestPki(dir).selfSigned("app", null);
        ServerConfig c = ServerConfig.ephemeralMemory();
        SecurityConfig sec = c.security().withTls(new SecurityConfig.Tls(serverCert.cert(), serverCert.key(),
                Optional.of(clientCert.cert()), false, 0)).withAuthRequired(true).withAdminToken(ADMIN)
                .withCertGrants(SecurityConfig.parseGrants("app=produce:q.*,consume:q.*"));
        server = SpoolServer.start(c.withSecurity(sec)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static ClientOptions options() {
        return ClientOptions.of(server.url()).withCaFile(serverCert.cert()).withEventLoops(1);
    }

    @Test
    void shouldPushAndPopWithATokenAndRefuseWithoutOne() throws Exception {
        try (SpoolClient admin = SpoolClient.connect(options().withToken(ADMIN))) {
            TokenInfo.Created t = SpoolClient.await(admin.createToken("app", List.of("produce:q.*", "consume:q.*")));
            try (SpoolClient app = SpoolClient.connect(options().withToken(t.secret()));
                    SpoolClient anonymous = SpoolClient.connect(options())) {
                SpoolClient.await(app.push("q.a", List.of(NewMessage.ofUtf8("hi"))));
                assertThat(SpoolClient.await(app.pop("q.a", new PopRequest("default", 1, 30_000, 0)))).hasSize(1);
                assertThatThrownBy(() -> SpoolClient.await(app.push("other", List.of(NewMessage.ofUtf8("x")))))
                        .isInstanceOf(SpoolException.class)
                        .satisfies(e -> assertThat(((SpoolException) e).code()).isEqualTo(ErrorCode.FORBIDDEN));
                assertThatThrownBy(() -> SpoolClient.await(anonymous.listQueues()))
                        .isInstanceOf(SpoolException.class)
                        .satisfies(e -> assertThat(((SpoolException) e).code()).isEqualTo(ErrorCode.UNAUTHORIZED));
                assertThat(SpoolClient.await(admin.tokens())).extracting(TokenInfo::name).contains("app");
                assertThat(t.toString()).doesNotContain(t.secret());
            }
        }
    }

    @Test
    void shouldPushOverTheProducersStreamWithATokenAndFailAtOnceWithoutOne() throws Exception {
        try (SpoolClient admin = SpoolClient.connect(options().withToken(ADMIN))) {
            TokenInfo.Created t = SpoolClient.await(admin.createToken("streamer", List.of("produce:q.*")));
            try (SpoolClient app = SpoolClient.connect(options().withToken(t.secret()));
                    SpoolClient anonymous = SpoolClient.connect(options())) {
                try (Producer p = app.producer("q.produced", ProducerOptions.DEFAULTS.withLingerMs(0))) {
                    assertThat(p.send(NewMessage.ofUtf8("s")).get(10, TimeUnit.SECONDS)).isPositive();
                }
                // a frame the token may not send is refused by the server: its future fails, not retried
                try (Producer other = app.producer("other", ProducerOptions.DEFAULTS.withLingerMs(0))) {
                    assertThatThrownBy(() -> other.send(NewMessage.ofUtf8("x")).get(10, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class).cause()
                            .isInstanceOfSatisfying(SpoolException.class,
                                    e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
                }
                // the upgrade itself is refused: no reconnects, the futures fail with the server's code
                Producer nobody = anonymous.producer("q.produced", ProducerOptions.DEFAULTS.withLingerMs(0)
                        .withReconnect(1_000, 60_000));
                assertThatThrownBy(() -> nobody.send(NewMessage.ofUtf8("y")).get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOfSatisfying(SpoolException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED));
                nobody.close();
            }
        }
    }

    @Test
    void shouldConsumeOverTheStreamWithAClientCertificate() throws Exception {
        try (SpoolClient app = SpoolClient.connect(options().withClientCertificate(clientCert.cert(),
                clientCert.key()))) {
            SpoolClient.await(app.push("q.stream", List.of(NewMessage.ofUtf8("one"))));
            java.util.concurrent.CompletableFuture<String> got = new java.util.concurrent.CompletableFuture<>();
            try (Consumer c = app.consumer("q.stream", ConsumerOptions.DEFAULTS,
                    d -> got.complete(d.body().payload().asUtf8()))) {
                assertThat(got.get(30, TimeUnit.SECONDS)).isEqualTo("one");
            }
        }
    }
}
