package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.ErrorCode;
import dev.spool.cli.CliHarness.Result;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.security.SecurityConfig;
import dev.spool.testkit.TestPki;

/**
 * The credentials of the {@code spool} command over the transport it really uses, the JDK's HTTP
 * client ({@code spool.client.http=jdk}, set by {@link SpoolCli#main}): the bearer token, the CA file,
 * the client certificate, and one clean line when TLS fails. Two servers with certificates from a test
 * CA: one with required authentication (tokens, or a client certificate if one is offered), one that
 * requires a client certificate from everyone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecureJdkCliTest {
    private static final String ADMIN = "cli-jdk-bootstrap-admin-0123456789";
    private static final String PROPERTY = "spool.client.http";
    @TempDir
    static Path dir;
    private static String previous;
    private static SpoolServer tokens;
    private static SpoolServer mtls;
    private static Path ca;
    private static Path otherCa;
    private static TestPki.Issued client;

    @BeforeAll
    static void start() throws Exception {
        previous = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, "jdk");
        TestPki pki = new TestPki(dir);
        ca = pki.ca("ca");
        otherCa = pki.ca("other-ca");
        TestPki.Issued serverCert = pki.issue("ca", "server", "ip:127.0.0.1", null, 30);
        client = pki.issue("ca", "worker", null, null, 30);
        tokens = start(new SecurityConfig.Tls(serverCert.cert(), serverCert.key(), Optional.of(ca), false, 0));
        mtls = start(new SecurityConfig.Tls(serverCert.cert(), serverCert.key(), Optional.of(ca), true, 0));
    }

    private static SpoolServer start(SecurityConfig.Tls tls) throws Exception {
        ServerConfig c = ServerConfig.ephemeralMemory();
        SecurityConfig sec = c.security().withTls(tls).withAuthRequired(true).withAdminToken(ADMIN)
                .withCertGrants(SecurityConfig.parseGrants("worker=produce:jobs.*,consume:jobs.*"));
        return SpoolServer.start(c.withSecurity(sec)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (previous == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, previous);
        }
        if (tokens != null) {
            tokens.close();
        }
        if (mtls != null) {
            mtls.close();
        }
    }

    private static Result spool(SpoolServer server, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", server.url()));
        return CliHarness.run(all.toArray(new String[0]));
    }

    /** Exactly one line on stderr, starting {@code spool: }, and no stack trace. */
    private static void assertOneCleanLine(Result r) {
        assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).startsWith("spool: ").doesNotContain("\tat ").doesNotContain("sun.security");
    }

    @Test
    void shouldSendTheTokenAndTrustTheCaFile() {
        Result push = spool(tokens, "push", "jobs.token", "hello", "--auth-token", ADMIN, "--cacert", ca.toString());
        assertThat(push.code()).as(push.toString()).isZero();

        Result pop = spool(tokens, "pop", "jobs.token", "--auth-token", ADMIN, "--cacert", ca.toString());
        assertThat(pop.code()).as(pop.toString()).isZero();
        assertThat(pop.out()).contains("hello");
    }

    @Test
    void shouldPrintOneCleanUnauthorizedLineWithoutAToken() {
        Result r = spool(tokens, "queue", "list", "--cacert", ca.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.of(ErrorCode.UNAUTHORIZED));
        assertOneCleanLine(r);
        assertThat(r.err()).startsWith("spool: unauthorized: ");
    }

    @Test
    void shouldPrintOneCleanLineWhenTheServerCertificateIsFromAnotherCa() {
        Result r = spool(tokens, "queue", "list", "--auth-token", ADMIN, "--cacert", otherCa.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.of(ErrorCode.UNAVAILABLE));
        assertOneCleanLine(r);
        assertThat(r.err()).contains("TLS with " + tokens.url() + " failed: the server's certificate is not signed"
                + " by a trusted CA").doesNotContain(ADMIN);
    }

    @Test
    void shouldPrintOneCleanLineWhenTheCaFileIsNotPem() throws Exception {
        Path junk = java.nio.file.Files.writeString(dir.resolve("junk.pem"), "not a certificate");

        Result r = spool(tokens, "queue", "list", "--auth-token", ADMIN, "--cacert", junk.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.of(ErrorCode.INVALID_ARGUMENT));
        assertOneCleanLine(r);
        assertThat(r.err()).contains(junk.toString());
    }

    @Test
    void shouldAuthenticateWithTheClientCertificateWhenMutualTlsIsRequired() {
        Result push = spool(mtls, "push", "jobs.cert", "by-cert", "--cacert", ca.toString(),
                "--cert", client.cert().toString(), "--cert-key", client.key().toString());
        assertThat(push.code()).as(push.toString()).isZero();

        // the certificate's grant is jobs.*: another queue is refused, so the identity is the certificate's
        Result other = spool(mtls, "push", "payroll", "x", "--cacert", ca.toString(),
                "--cert", client.cert().toString(), "--cert-key", client.key().toString());
        assertThat(other.code()).as(other.toString()).isEqualTo(ExitCodes.of(ErrorCode.FORBIDDEN));
        assertOneCleanLine(other);
    }

    @Test
    void shouldPrintOneCleanLineWithoutAClientCertificateWhenMutualTlsIsRequired() {
        Result r = spool(mtls, "queue", "list", "--auth-token", ADMIN, "--cacert", ca.toString());

        assertThat(r.code()).as(r.toString()).isNotZero();
        assertOneCleanLine(r);
        assertThat(r.err()).contains(mtls.url()).doesNotContain(ADMIN);
    }
}
