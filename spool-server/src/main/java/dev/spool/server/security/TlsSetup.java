package dev.spool.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import javax.net.ssl.X509KeyManager;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.SSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.SpoolException;

/**
 * TLS on the listener from PEM files: TLS 1.2 and 1.3 only, AEAD cipher suites with forward
 * secrecy only, and optional mutual TLS against a CA bundle. The files are read into memory (so a
 * reload sees their new content), and {@link #watch} re-reads them when their modification time
 * changes and hands the new material to every server instance: new connections use it, open
 * connections keep theirs. A reload that fails (a half-written file) keeps the old material and
 * is retried at the next change.
 *
 * <p>The engine is BoringSSL (netty-tcnative) when {@code tls-engine} is {@code auto} and its native
 * library loads, else the JDK's JSSE: on loopback a profile of the HTTP throughput bench put about
 * a sixth of all CPU in JSSE's record layer and the heap buffers it needs, which BoringSSL does in
 * native code on pooled direct buffers. Both engines get the same protocols and suites.
 *
 * <p>Isolation of an external relationship, namely the certificate files.
 */
public final class TlsSetup {
    /** TLS versions offered. */
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    /** Cipher suites offered: TLS 1.3's, and TLS 1.2's ECDHE with AES-GCM or ChaCha20-Poly1305. */
    public static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final Logger LOG = LoggerFactory.getLogger(TlsSetup.class);

    private final SecurityConfig.Tls tls;
    private final Vertx vertx;
    private List<FileTime> stamps;

    /**
     * @param tls the settings
     * @param vertx the Vert.x instance (parses the PEM files)
     */
    public TlsSetup(SecurityConfig.Tls tls, Vertx vertx) {
        this.tls = tls;
        this.vertx = vertx;
    }

    /**
     * Sets TLS on server options, from the files as they are now.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code tls-cert} when a file is unreadable
     */
    public HttpServerOptions apply(HttpServerOptions o) {
        SSLOptions ssl = sslOptions();
        Engine engine = engine(tls.engine());
        LOG.atInfo().addKeyValue("engine", engine.name()).log("TLS engine");
        o.setSslEngineOptions(engine.options());
        o.setSsl(true).setUseAlpn(true).setKeyCertOptions(ssl.getKeyCertOptions());
        if (ssl.getTrustOptions() != null) {
            o.setTrustOptions(ssl.getTrustOptions())
                    .setClientAuth(tls.clientCertRequired() ? ClientAuth.REQUIRED : ClientAuth.REQUEST);
        }
        o.setEnabledSecureTransportProtocols(new LinkedHashSet<>(PROTOCOLS));
        for (String c : CIPHERS) {
            o.addEnabledCipherSuite(c);
        }
        return o;
    }

    /**
     * The TLS implementation a setting resolves to.
     *
     * @param name {@code openssl} or {@code jdk}
     * @param options what Vert.x takes
     */
    public record Engine(String name, SSLEngineOptions options) {
    }

    /**
     * Resolves {@code tls-engine}: {@code auto} takes BoringSSL when it loads, else the JDK's.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code tls-engine} when {@code openssl}
     *         is asked for and cannot load
     */
    public static Engine engine(SecurityConfig.TlsEngine wanted) {
        boolean available = wanted != SecurityConfig.TlsEngine.JDK && OpenSSLEngineOptions.isAvailable();
        if (available) {
            return new Engine("openssl", new OpenSSLEngineOptions().setSessionCacheEnabled(true));
        }
        if (wanted == SecurityConfig.TlsEngine.OPENSSL) {
            Throwable why = io.netty.handler.ssl.OpenSsl.unavailabilityCause();
            throw SpoolException.invalid("tls-engine", "tls-engine openssl: BoringSSL (netty-tcnative) cannot load"
                    + " on this platform (" + (why == null ? "unknown" : why.getClass().getSimpleName())
                    + "); use auto or jdk");
        }
        return new Engine("jdk", new JdkSSLEngineOptions());
    }

    /** The key material and trust as they are in the files now. */
    synchronized SSLOptions sslOptions() {
        stamps = stamps();
        PemKeyCertOptions keyCert = new PemKeyCertOptions().setCertValue(read(tls.cert(), "tls-cert"))
                .setKeyValue(read(tls.key(), "tls-key"));
        checkPair(keyCert);
        SSLOptions ssl = new SSLOptions().setUseAlpn(true)
                .setEnabledSecureTransportProtocols(new LinkedHashSet<>(PROTOCOLS)).setKeyCertOptions(keyCert);
        for (String c : CIPHERS) {
            ssl.addEnabledCipherSuite(c);
        }
        tls.clientCa().ifPresent(ca -> ssl.setTrustOptions(new PemTrustOptions().addCertValue(read(ca, "tls-client-ca"))));
        return ssl;
    }

    /**
     * Checks the files every {@code reloadMs} and, when one changed, reloads the servers.
     *
     * @param servers the server instances of the listener, read at each reload
     * @return the timer id, or -1 when reloading is off
     */
    public long watch(Vertx vertx, Supplier<List<HttpServer>> servers) {
        if (tls.reloadMs() == 0) {
            return -1;
        }
        return vertx.setPeriodic(tls.reloadMs(), id -> {
            List<FileTime> now;
            synchronized (this) {
                now = stamps();
                if (now.equals(stamps)) {
                    return;
                }
            }
            reload(servers.get());
        });
    }

    /** Re-reads the files and hands them to the servers; completes when all took them. */
    public Future<Void> reload(List<HttpServer> servers) {
        SSLOptions ssl;
        try {
            ssl = sslOptions();
        } catch (SpoolException e) {
            LOG.atWarn().addKeyValue("error", e.getMessage()).log("TLS files changed but cannot be read; keeping the old ones");
            return Future.failedFuture(e);
        }
        List<Future<Boolean>> all = new ArrayList<>();
        for (HttpServer s : servers) {
            all.add(s.updateSSLOptions(ssl, true));
        }
        return Future.all(all).<Void>mapEmpty().onSuccess(v -> LOG.info("TLS certificate reloaded"))
                .onFailure(e -> LOG.atWarn().addKeyValue("error", e.toString())
                        .log("TLS reload failed; keeping the old certificate"));
    }

    /**
     * Refuses a key that does not belong to the certificate: during a rotation the two files are
     * replaced one after the other, and a reload between the two must keep the old pair.
     */
    private void checkPair(PemKeyCertOptions keyCert) {
        try {
            KeyStore ks = keyCert.loadKeyStore(vertx);
            X509KeyManager km = (X509KeyManager) keyCert.getKeyManagerFactory(vertx).getKeyManagers()[0];
            for (String alias : Collections.list(ks.aliases())) {
                PrivateKey key = km.getPrivateKey(alias);
                Certificate[] chain = km.getCertificateChain(alias);
                if (key == null || chain == null || chain.length == 0) {
                    continue;
                }
                String alg = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA"
                        : "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : key.getAlgorithm();
                byte[] probe = "spool-tls-pair-check".getBytes(StandardCharsets.US_ASCII);
                Signature sign = Signature.getInstance(alg);
                sign.initSign(key);
                sign.update(probe);
                byte[] sig = sign.sign();
                Signature verify = Signature.getInstance(alg);
                verify.initVerify(chain[0].getPublicKey());
                verify.update(probe);
                if (!verify.verify(sig)) {
                    throw SpoolException.invalid("tls-key", "tls-key does not belong to the certificate of tls-cert");
                }
                return;
            }
            throw SpoolException.invalid("tls-cert", "tls-cert and tls-key hold no usable key and certificate");
        } catch (SpoolException e) {
            throw e;
        } catch (Exception e) {
            throw SpoolException.invalid("tls-key", "tls-cert and tls-key cannot be used: " + e.getClass().getSimpleName());
        }
    }

    private List<FileTime> stamps() {
        List<FileTime> out = new ArrayList<>(3);
        for (Path p : files()) {
            try {
                out.add(Files.getLastModifiedTime(p));
            } catch (IOException e) {
                out.add(FileTime.fromMillis(-1));
            }
        }
        return out;
    }

    private List<Path> files() {
        List<Path> out = new ArrayList<>(List.of(tls.cert(), tls.key()));
        tls.clientCa().ifPresent(out::add);
        return out;
    }

    private static Buffer read(Path p, String key) {
        try {
            return Buffer.buffer(Files.readAllBytes(p));
        } catch (IOException e) {
            throw SpoolException.invalid(key, key + ": cannot read " + p + ": " + e.getClass().getSimpleName());
        }
    }
}
