package dev.spool.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate and its PKCS#8 key as PEM files, made with the JDK's keytool. A
 * self-signed certificate is its own trust anchor: the same file is the server's certificate and
 * the client's {@code --cacert} (or the client's certificate and the server's client CA).
 */
record SelfSigned(Path cert, Path key) {
    static SelfSigned make(Path dir, String name, String san) throws Exception {
        Path ks = dir.resolve(name + ".p12");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=" + name, "-validity", "30", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass",
                "changeit", "-keypass", "changeit"));
        if (san != null) {
            cmd.addAll(List.of("-ext", "san=" + san));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + new String(out, StandardCharsets.UTF_8));
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Path cert = dir.resolve(name + ".pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(store.getCertificate(name)
                .getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Path key = dir.resolve(name + ".key");
        PrivateKey pk = (PrivateKey) store.getKey(name, "changeit".toCharArray());
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(pk.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return new SelfSigned(cert, key);
    }
}
