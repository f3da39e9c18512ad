package dev.spool.server.security;

import dev.spool.testkit.TestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.SpoolException;
import dev.spool.api.TlsFiles;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * TLS on the listener with real certificates made by {@link TestPki}: the handshake succeeds only
 * with the right CA, a live certificate for the right host and TLS 1.2+ AEAD suites; mutual TLS
 * refuses a missing, expired or foreign client certificate; the certificate reloads while
 * connections are open. Runs with {@code tls-engine: auto} (BoringSSL where it loads, as on
 * linux-x86_64); {@link TlsListenerJdkTest} runs the same cases on the JDK's engine.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsListenerTest {
    private static final Certs C = Certs.INSTANCE;

    @TempDir
    Path dir;

    private static SecurityConfig.Tls tls(TestPki.Issued server, boolean mtls, long reloadMs) {
        return new SecurityConfig.Tls(server.cert(), server.key(), mtls ? Optional.of(C.ca) : Optional.empty(), true,
                reloadMs);
    }

    /** The engine every server of this class uses. */
    SecurityConfig.TlsEngine engine() {
        return SecurityConfig.TlsEngine.AUTO;
    }

    private SpoolServer start(SecurityConfig.Tls tls) throws Exception {
        ServerConfig cfg = ServerConfig.ephemeralMemory();
        return SpoolServer.start(cfg.withSecurity(cfg.security().withTls(tls.withEngine(engine()))))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    private static int health(String base, Optional<Path> ca, Optional<TestPki.Issued> cert) throws Exception {
        return new SecureClient(base, ca, cert).send("GET", "/healthz", null, null).statusCode();
    }

    @Test
    void shouldServeHttpsWithTls13WhenClientTrustsTheCa() throws Exception {
        try (SpoolServer s = start(tls(C.server, false, 0))) {
            HttpResponse<String> r = new SecureClient(s.url(), Optional.of(C.ca), Optional.empty())
                    .send("GET", "/healthz", null, null);

            assertThat(s.url()).startsWith("https://127.0.0.1:");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.sslSession().orElseThrow().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        }
    }

    @Test
    void shouldFailHandshakeWhenClientTrustsAnotherCa() throws Exception {
        try (SpoolServer s = start(tls(C.server, false, 0))) {
            assertThatThrownBy(() -> health(s.url(), Optional.of(C.rogueCa), Optional.empty()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldFailHandshakeWhenServerCertificateIsExpired() throws Exception {
        try (SpoolServer s = start(tls(C.serverExpired, false, 0))) {
            assertThatThrownBy(() -> health(s.url(), Optional.of(C.ca), Optional.empty()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldFailHandshakeWhenServerCertificateNamesAnotherHost() throws Exception {
        try (SpoolServer s = start(tls(C.serverOtherHost, false, 0))) {
            assertThatThrownBy(() -> health(s.url(), Optional.of(C.ca), Optional.empty()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldRefuseTls12CbcSuiteAndAcceptTls12Gcm() throws Exception {
        try (SpoolServer s = start(tls(C.server, false, 0))) {
            assertThat(tls12(s.url(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isEqualTo(200);
            assertThatThrownBy(() -> tls12(s.url(), "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"))
                    .isInstanceOf(IOException.class);
        }
    }

    private static int tls12(String base, String suite) throws Exception {
        SSLContext ctx = TlsFiles.clientContext(Optional.of(C.ca), Optional.empty(), Optional.empty());
        SSLParameters params = new SSLParameters(new String[] {suite}, new String[] {"TLSv1.2"});
        HttpClient http = HttpClient.newBuilder().sslContext(ctx).sslParameters(params)
                .version(HttpClient.Version.HTTP_1_1).build();
        return http.send(java.net.http.HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void shouldAcceptClientCertificateSignedByTheClientCa() throws Exception {
        try (SpoolServer s = start(tls(C.server, true, 0))) {
            assertThat(health(s.url(), Optional.of(C.ca), Optional.of(C.worker))).isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseConnectionWithoutClientCertificateWhenMutualTlsIsRequired() throws Exception {
        try (SpoolServer s = start(tls(C.server, true, 0))) {
            assertThatThrownBy(() -> health(s.url(), Optional.of(C.ca), Optional.empty()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldRefuseExpiredClientCertificate() throws Exception {
        try (SpoolServer s = start(tls(C.server, true, 0))) {
            assertThatThrownBy(() -> health(s.url(), Optional.of(C.ca), Optional.of(C.expiredClient)))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldRefuseClientCertificateOfAnotherCa() throws Exception {
        try (SpoolServer s = start(tls(C.server, true, 0))) {
            assertThatThrownBy(() -> health(s.url(), Optional.of(C.ca), Optional.of(C.rogueClient)))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldRefuseToStartWhenCertificateFileIsMissing() {
        SecurityConfig.Tls bad = new SecurityConfig.Tls(dir.resolve("nope.pem"), C.server.key(), Optional.empty(),
                true, 0);

        assertThatThrownBy(() -> start(bad)).hasCauseInstanceOf(SpoolException.class)
                .hasMessageContaining("tls-cert");
    }

    @Test
    void shouldServeNewCertificateToNewConnectionsAndKeepOpenStreamsWhenFilesChange() throws Exception {
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        Files.copy(C.server.cert(), cert);
        Files.copy(C.server.key(), key);
        SecurityConfig.Tls tls = new SecurityConfig.Tls(cert, key, Optional.empty(), true, 100);
        try (SpoolServer s = start(tls)) {
            SecureClient before = new SecureClient(s.url(), Optional.of(C.ca), Optional.empty());
            assertThat(subject(before.send("GET", "/healthz", null, null))).contains("server-a");
            Frames frames = new Frames();
            WebSocket ws = before.http.newWebSocketBuilder()
                    .buildAsync(URI.create(s.url().replace("https", "wss") + "/v1/stream"), frames)
                    .get(10, TimeUnit.SECONDS);

            Files.copy(C.serverB.key(), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(C.serverB.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(cert, FileTime.fromMillis(System.currentTimeMillis() + 5_000));

            // a connection made while the files are half replaced may fail: the test waits past it
            Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> subject(
                    new SecureClient(s.url(), Optional.of(C.ca), Optional.empty()).send("GET", "/healthz", null, null))
                    .contains("server-b"));
            ws.sendText("{\"op\":\"push\",\"req\":1,\"queue\":\"q\",\"messages\":[{\"payload\":1}]}", true)
                    .get(10, TimeUnit.SECONDS);
            assertThat(frames.next()).contains("\"req\":1").contains("ids");
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    @Test
    void shouldReloadOnRequestWhenAskedLikeSighup() throws Exception {
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        Files.copy(C.server.cert(), cert);
        Files.copy(C.server.key(), key);
        try (SpoolServer s = start(new SecurityConfig.Tls(cert, key, Optional.empty(), true, 0))) {
            Files.copy(C.serverB.key(), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(C.serverB.cert(), cert, StandardCopyOption.REPLACE_EXISTING);

            s.reloadTls().toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertThat(subject(new SecureClient(s.url(), Optional.of(C.ca), Optional.empty())
                    .send("GET", "/healthz", null, null))).contains("server-b");
        }
    }

    private static String subject(HttpResponse<?> r) throws Exception {
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSubjectX500Principal()
                .getName();
    }

    /** Collects text frames. */
    static final class Frames implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                got.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return CompletableFuture.completedFuture(null);
        }

        String next() throws InterruptedException {
            String s = got.poll(10, TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("no frame within 10 s");
            }
            return s;
        }
    }
}
