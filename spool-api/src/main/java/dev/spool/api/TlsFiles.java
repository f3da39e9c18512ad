package dev.spool.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client context from PEM files, with the JDK alone: the CA bundle that verifies the server
 * ({@code --cacert}) and, for mutual TLS, the client's certificate chain and PKCS#8 private key
 * ({@code --cert}, {@code --cert-key}; RSA or EC). Used by the Java client and the {@code spool} command.
 */
public final class TlsFiles {
    private static final char[] NO_PASSWORD = new char[0];

    private TlsFiles() {
    }

    /**
     * Builds a TLS 1.2+ client context.
     *
     * @param caFile PEM certificates to trust; empty: the JDK's default trust store
     * @param certFile PEM certificate chain of the client, leaf first; with {@code keyFile}
     * @param keyFile PEM PKCS#8 private key of the client ({@code BEGIN PRIVATE KEY})
     * @return the context
     * @throws SpoolException {@code invalid_argument} naming the file at fault
     */
    public static SSLContext clientContext(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile) {
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw SpoolException.invalid("cert", "--cert and --cert-key go together");
        }
        try {
            TrustManagerFactory tmf = null;
            if (caFile.isPresent()) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(caFile.get(), "cacert")) {
                    trust.setCertificateEntry("ca" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (certFile.isPresent()) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                List<Certificate> chain = certificates(certFile.get(), "cert");
                keys.setKeyEntry("client", privateKey(keyFile.get()), NO_PASSWORD, chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, NO_PASSWORD);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw SpoolException.invalid("cacert", "cannot build a TLS context from the given files: "
                    + e.getClass().getSimpleName());
        }
    }

    private static List<Certificate> certificates(Path file, String field) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            Collection<? extends Certificate> cs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes));
            if (cs.isEmpty()) {
                throw SpoolException.invalid(field, field + ": no certificate in " + file);
            }
            return new ArrayList<>(cs);
        } catch (IOException | GeneralSecurityException e) {
            throw SpoolException.invalid(field, field + ": cannot read certificates from " + file);
        }
    }

    private static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw SpoolException.invalid("key", "key: cannot read " + file);
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw SpoolException.invalid("key", "key: " + file + " holds no PKCS#8 key (BEGIN PRIVATE KEY); convert "
                    + "with: openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw SpoolException.invalid("key", "key: " + file + " is not an RSA, EC or Ed25519 key");
    }
}
