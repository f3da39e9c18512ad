package dev.spool.bench.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One TLS 1.3 record sealed by a client engine and opened by a server engine, with the JDK's JSSE
 * or with BoringSSL (netty-tcnative), the two choices of the server's {@code tls-engine}. The
 * buffers are those Netty gives each engine: heap for the JDK's, direct for BoringSSL's. The key is
 * an EC P-256 key made with {@code keytool} at set-up; the handshake is not measured.
 *
 * <p>Run: {@code java -jar spool-bench/target/benchmarks.jar TlsRecordBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsRecordBenchmark {
    @Param({"jdk", "openssl"})
    public String engine;

    @Param({"1024", "16384"})
    public int size;

    private SSLEngine client;
    private SSLEngine server;
    private ByteBuffer plain;
    private ByteBuffer wire;
    private ByteBuffer opened;

    @Setup
    public void setUp() throws Exception {
        SslProvider provider = "openssl".equals(engine) ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContext serverCtx = SslContextBuilder.forServer(keyManagers()).sslProvider(provider)
                .protocols("TLSv1.3").build();
        SslContext clientCtx = SslContextBuilder.forClient().sslProvider(provider).protocols("TLSv1.3")
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        server = serverCtx.newEngine(ByteBufAllocator.DEFAULT);
        client = clientCtx.newEngine(ByteBufAllocator.DEFAULT, "localhost", 443);
        boolean direct = provider == SslProvider.OPENSSL;
        int net = Math.max(client.getSession().getPacketBufferSize(), size + 1024);
        plain = allocate(size, direct);
        wire = allocate(net, direct);
        opened = allocate(Math.max(server.getSession().getApplicationBufferSize(), size + 1024), direct);
        handshake(allocate(net, direct), allocate(net, direct));
    }

    private static ByteBuffer allocate(int n, boolean direct) {
        return direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
    }

    /** Seals {@code size} bytes into one record and opens it again; returns the bytes opened. */
    @Benchmark
    public int sealAndOpen() throws SSLException {
        plain.clear();
        wire.clear();
        client.wrap(plain, wire);
        wire.flip();
        opened.clear();
        server.unwrap(wire, opened);
        return opened.position();
    }

    private void handshake(ByteBuffer toServer, ByteBuffer toClient) throws SSLException {
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100 && (busy(client) || busy(server)); round++) {
            toServer.clear();
            client.wrap(empty, toServer);
            toServer.flip();
            runTasks(client);
            while (toServer.hasRemaining() && server.unwrap(toServer, sink).bytesConsumed() > 0) {
                runTasks(server);
            }
            runTasks(server);
            toClient.clear();
            server.wrap(empty, toClient);
            toClient.flip();
            runTasks(server);
            while (toClient.hasRemaining() && client.unwrap(toClient, sink).bytesConsumed() > 0) {
                runTasks(client);
            }
            runTasks(client);
        }
        if (busy(client) || busy(server)) {
            throw new SSLException("handshake did not finish");
        }
    }

    private static boolean busy(SSLEngine e) {
        SSLEngineResult.HandshakeStatus s = e.getHandshakeStatus();
        return s != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && s != SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine e) {
        Runnable t;
        while ((t = e.getDelegatedTask()) != null) {
            t.run();
        }
    }

    private static KeyManagerFactory keyManagers() throws Exception {
        Path dir = Files.createTempDirectory("tls-bench");
        Path ks = dir.resolve("server.p12");
        char[] pass = "changeit".toCharArray();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass",
                "changeit", "-keypass", "changeit").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IOException("keytool failed");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, pass);
        }
        for (Path f : List.of(ks, dir)) {
            Files.delete(f);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, pass);
        return kmf;
    }
}
