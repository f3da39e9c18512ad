package dev.spool.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests, made with the JDK's {@code keytool} (no other tool needed): a CA, and
 * leaf certificates it signs, exported as the PEM files a server and a client are configured with.
 * EC P-256 keys, because they are quick to generate. Also self-signed certificates, which are their
 * own trust anchor: the same file is the server's certificate and the client's CA file (or the client's
 * certificate and the server's client CA).
 */
public final class TestPki {
    private static final String PASS = "changeit";
    private final Path dir;

    /** One issued certificate: its PEM chain (leaf, then CA) and PKCS#8 key. */
    public record Issued(Path cert, Path key) {
    }

    /** Keeps every file under {@code dir}. */
    public TestPki(Path dir) {
        this.dir = dir;
    }

    /** Makes a CA named {@code name}; returns its PEM certificate. */
    public Path ca(String name) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "30", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", PASS, "-keypass", PASS);
        Path pem = dir.resolve(name + ".pem");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ks.toString(), "-storepass", PASS, "-file",
                pem.toString());
        return pem;
    }

    /**
     * Issues a certificate signed by CA {@code ca}.
     *
     * @param name file name and, unless {@code dname} says otherwise, the CN
     * @param san the subjectAlternativeName extension value, e.g. {@code ip:127.0.0.1,dns:localhost}, or null
     * @param startDate keytool start date, e.g. {@code -10d}, or null for now
     * @param validityDays validity from the start date
     */
    public Issued issue(String ca, String name, String san, String startDate, int validityDays) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS);
        Path csr = dir.resolve(name + ".csr");
        keytool("-certreq", "-alias", name, "-keystore", ks.toString(), "-storepass", PASS, "-file", csr.toString());
        Path signed = dir.resolve(name + ".signed.pem");
        List<String> args = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore",
                dir.resolve(ca + ".p12").toString(), "-storepass", PASS, "-infile", csr.toString(), "-outfile",
                signed.toString(), "-validity", Integer.toString(validityDays)));
        if (san != null) {
            args.addAll(List.of("-ext", "san=" + san));
        }
        if (startDate != null) {
            args.addAll(List.of("-startdate", startDate));
        }
        keytool(args.toArray(new String[0]));
        Path cert = dir.resolve(name + ".crt.pem");
        Files.writeString(cert, Files.readString(signed) + Files.readString(dir.resolve(ca + ".pem")));
        Path key = dir.resolve(name + ".key.pem");
        writeKey(ks, name, key);
        return new Issued(cert, key);
    }

    /**
     * Makes a self-signed certificate named {@code name} (also its CN), valid for 30 days.
     *
     * @param san the subjectAlternativeName extension value, or null
     */
    public Issued selfSigned(String name, String san) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + name, "-validity", "30", "-keystore", ks.toString(), "-storetype",
                "PKCS12", "-storepass", PASS, "-keypass", PASS));
        if (san != null) {
            args.addAll(List.of("-ext", "san=" + san));
        }
        keytool(args.toArray(new String[0]));
        Path cert = dir.resolve(name + ".pem");
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", ks.toString(), "-storepass", PASS, "-file",
                cert.toString());
        Path key = dir.resolve(name + ".key");
        writeKey(ks, name, key);
        return new Issued(cert, key);
    }

    /** The leaf certificate of an issued chain, for assertions. */
    public static Certificate leaf(Issued i) throws Exception {
        try (InputStream in = Files.newInputStream(i.cert())) {
            return java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static void writeKey(Path ks, String alias, Path key) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASS.toCharArray());
        }
        PrivateKey pk = (PrivateKey) store.getKey(alias, PASS.toCharArray());
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pk.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }
}
