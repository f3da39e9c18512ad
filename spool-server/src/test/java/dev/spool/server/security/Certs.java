package dev.spool.server.security;

import dev.spool.testkit.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The certificates every security test of this JVM shares, made once (keytool runs take seconds):
 * CA {@code ca} issuing a server certificate for 127.0.0.1 and localhost, clients {@code worker-1}
 * and {@code spiffe} (URI SAN), an expired client, a server certificate for another host and an
 * expired server certificate; CA {@code rogue} issuing a client and a server certificate nobody trusts.
 */
final class Certs {
    static final Certs INSTANCE = make();

    final Path dir;
    final Path ca;
    final Path rogueCa;
    final TestPki.Issued server;
    final TestPki.Issued serverB;
    final TestPki.Issued serverOtherHost;
    final TestPki.Issued serverExpired;
    final TestPki.Issued worker;
    final TestPki.Issued spiffe;
    final TestPki.Issued expiredClient;
    final TestPki.Issued rogueClient;
    final TestPki.Issued rogueServer;

    private Certs(Path dir) throws Exception {
        this.dir = dir;
        TestPki pki = new TestPki(dir);
        ca = pki.ca("ca");
        rogueCa = pki.ca("rogue");
        String local = "ip:127.0.0.1,dns:localhost";
        server = pki.issue("ca", "server-a", local, null, 30);
        serverB = pki.issue("ca", "server-b", local, null, 30);
        serverOtherHost = pki.issue("ca", "elsewhere", "dns:elsewhere.example", null, 30);
        serverExpired = pki.issue("ca", "server-old", local, "-10d", 2);
        worker = pki.issue("ca", "worker-1", null, null, 30);
        spiffe = pki.issue("ca", "spiffe-client", "uri:spiffe://acme/ops", null, 30);
        expiredClient = pki.issue("ca", "worker-old", null, "-10d", 2);
        rogueClient = pki.issue("rogue", "worker-rogue", null, null, 30);
        rogueServer = pki.issue("rogue", "server-rogue", local, null, 30);
    }

    private static Certs make() {
        try {
            Path dir = Files.createTempDirectory("spool-test-pki");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            return new Certs(dir);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
