package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.cli.CliHarness.Result;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.security.SecurityConfig;
import dev.spool.testkit.TestPki;

/**
 * {@code spool token create|list|revoke} and the credential options ({@code --auth-token},
 * {@code --cacert}, {@code --cert}/{@code --cert-key}) against a server with TLS and required
 * authentication.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TokenCommandTest {
    private static final String ADMIN = "cli-bootstrap-admin-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static SpoolServer server;
    private static TestPki.Issued serverCert;
    private static TestPki.Issued clientCert;

    @BeforeAll
    static void start() throws Exception {
        serverCert = new TestPki(dir).selfSigned("server", "ip:127.0.0.1");
        clientCert = new TestPki(dir).selfSigned("cli-client", null);
        ServerConfig c = ServerConfig.ephemeralMemory();
        SecurityConfig sec = c.security().withTls(new SecurityConfig.Tls(serverCert.cert(), serverCert.key(),
                Optional.of(clientCert.cert()), false, 0)).withAuthRequired(true).withAdminToken(ADMIN)
                .withCertGrants(SecurityConfig.parseGrants("cli-client=produce:jobs"));
        server = SpoolServer.start(c.withSecurity(sec)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Result spool(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", server.url(), "--cacert", serverCert.cert().toString()));
        return CliHarness.run(all.toArray(new String[0]));
    }

    @Test
    void shouldCreateUseListAndRevokeATokenThroughTheCommandLine() throws Exception {
        Result created = spool("token", "create", "--name", "ci", "--perm", "produce:jobs", "--auth-token", ADMIN, "--json");
        assertThat(created.code()).as(created.toString()).isZero();
        JsonNode t = JSON.readTree(created.out());
        String secret = t.path("secret").asText();
        String id = t.path("id").asText();
        assertThat(secret).startsWith("spl_");

        Result pushed = spool("push", "jobs", "hello", "--auth-token", secret);
        Result popped = spool("pop", "jobs", "--auth-token", secret);
        Result listed = spool("token", "list", "--auth-token", ADMIN);
        assertThat(pushed.code()).as(pushed.toString()).isZero();
        assertThat(popped.code()).as(popped.toString()).isNotZero();
        assertThat(popped.err()).contains("forbidden");
        assertThat(listed.out()).contains(id).contains("produce:jobs").doesNotContain(secret);

        Result revoked = spool("token", "revoke", id, "--auth-token", ADMIN);
        Result after = spool("push", "jobs", "again", "--auth-token", secret);
        assertThat(revoked.code()).as(revoked.toString()).isZero();
        assertThat(after.code()).isNotZero();
        assertThat(after.err()).contains("unauthorized").doesNotContain(secret);
    }

    @Test
    void shouldAuthenticateWithAClientCertificate() {
        Result pushed = spool("push", "jobs", "by-cert", "--cert", clientCert.cert().toString(), "--cert-key",
                clientCert.key().toString());
        Result refused = spool("push", "other", "by-cert", "--cert", clientCert.cert().toString(), "--cert-key",
                clientCert.key().toString());

        assertThat(pushed.code()).as(pushed.toString()).isZero();
        assertThat(refused.err()).contains("forbidden");
    }

    @Test
    void shouldRefuseWithoutCredentialsAndFailWithoutTheServerCa() {
        Result none = spool("queue", "list");
        Result untrusted = CliHarness.run("queue", "list", "--url", server.url(), "--auth-token", ADMIN);

        assertThat(none.err()).contains("unauthorized");
        assertThat(untrusted.code()).isNotZero();
    }
}
