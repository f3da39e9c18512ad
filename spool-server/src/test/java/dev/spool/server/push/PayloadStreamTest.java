package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.Payload;

/**
 * Streamed payloads through {@link Poster} and {@link PayloadStream} to a real endpoint: a journal
 * region (a file region at an offset, not a whole number of chunks) and a payload that only has a
 * stream arrive byte-exact; a region whose file is shorter than it claims fails the attempt as a
 * retry; an endpoint that answers and closes before reading the body ends the attempt by its
 * answer. In every case each chunk buffer goes back to {@link Chunks} once the attempt settles.
 * The journal-region cases run both through {@link PayloadStream} (as to a TLS endpoint) and
 * through {@link FileSender} (a plain-HTTP endpoint); a large payload on the heap goes out in
 * chunks byte-exact.
 */
class PayloadStreamTest {
    private Vertx vertx;
    private HttpServer server;
    private HttpClient client;
    private volatile String received;
    private volatile long receivedBytes;
    private boolean sendFiles = true;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals("/early")) {
                // answers without reading the body and closes the connection
                req.response().setStatusCode(413).putHeader("Connection", "close").end("too big");
                return;
            }
            MessageDigest d = Endpoint.sha();
            long[] n = new long[1];
            req.handler(b -> {
                d.update(b.getBytes());
                n[0] += b.length();
            }).endHandler(v -> {
                received = HexFormat.of().formatHex(d.digest());
                receivedBytes = n[0];
                req.response().setStatusCode(204).end();
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "from the file: {0}")
    @ValueSource(booleans = {false, true})
    void shouldStreamAJournalRegionByteExactAndGiveEveryChunkBack(boolean fromFile, @TempDir Path dir)
            throws Exception {
        sendFiles = fromFile;
        int size = 3 * PayloadStream.CHUNK + 12_345;
        byte[] file = random(size + 1_000);
        Path f = dir.resolve("segment");
        Files.write(f, file);
        Payload region = new Payload.FileRegion(f, 700, size);

        Outcome o = post("/in", region);

        assertThat(o).isInstanceOf(Outcome.Delivered.class);
        assertThat(receivedBytes).isEqualTo(size);
        assertThat(received).isEqualTo(sha(file, 700, size));
        await().atMost(Duration.ofSeconds(10)).until(() -> Chunks.POOL.inUse() == 0);
    }

    @Test
    void shouldSendALargePayloadOnTheHeapInChunksByteExact() throws Exception {
        byte[] bytes = random(3 * PayloadStream.CHUNK + 7);

        Outcome o = post("/in", Payload.of(bytes));

        assertThat(o).isInstanceOf(Outcome.Delivered.class);
        assertThat(receivedBytes).isEqualTo(bytes.length);
        assertThat(received).isEqualTo(sha(bytes, 0, bytes.length));
        await().atMost(Duration.ofSeconds(10)).until(() -> Chunks.POOL.inUse() == 0);
    }

    @Test
    void shouldStreamAPayloadThatOnlyHasAStream() throws Exception {
        byte[] bytes = random(2 * PayloadStream.CHUNK + 1);

        Outcome o = post("/in", new StreamOnly(bytes));

        assertThat(o).isInstanceOf(Outcome.Delivered.class);
        assertThat(received).isEqualTo(sha(bytes, 0, bytes.length));
        await().atMost(Duration.ofSeconds(10)).until(() -> Chunks.POOL.inUse() == 0);
    }

    @ParameterizedTest(name = "from the file: {0}")
    @ValueSource(booleans = {false, true})
    void shouldRetryWhenTheFileIsShorterThanThePayload(boolean fromFile, @TempDir Path dir) throws Exception {
        sendFiles = fromFile;
        Path f = dir.resolve("segment");
        Files.write(f, random(PayloadStream.CHUNK + 10));

        Outcome o = post("/in", new Payload.FileRegion(f, 0, 2L * PayloadStream.CHUNK));

        assertThat(o).isInstanceOf(Outcome.Retry.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> Chunks.POOL.inUse() == 0);
    }

    @ParameterizedTest(name = "from the file: {0}")
    @ValueSource(booleans = {false, true})
    void shouldSettleByAnAnswerGivenBeforeTheBodyWasRead(boolean fromFile, @TempDir Path dir) throws Exception {
        sendFiles = fromFile;
        Path f = dir.resolve("segment");
        Files.write(f, random(8 * PayloadStream.CHUNK));

        Outcome o = post("/early", new Payload.FileRegion(f, 0, 8L * PayloadStream.CHUNK));

        // the answer, or the connection closed under the request: never a delivery
        assertThat(o).isNotInstanceOf(Outcome.Delivered.class);
        if (o instanceof Outcome.Dead dead) {
            assertThat(dead.status()).isEqualTo(413);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Chunks.POOL.inUse() == 0);
    }

    @Test
    void shouldReuseGivenBackBuffersAndKeepNoMoreIdleOnesThanItsBound() {
        Chunks chunks = new Chunks(2);
        java.nio.ByteBuffer a = chunks.take();
        java.nio.ByteBuffer b = chunks.take();
        java.nio.ByteBuffer c = chunks.take();
        assertThat(a.isDirect()).isTrue();
        assertThat(a.capacity()).isEqualTo(PayloadStream.CHUNK);
        chunks.give(a);
        chunks.give(b);
        chunks.give(c);
        assertThat(chunks.idle()).isEqualTo(2);
        assertThat(chunks.inUse()).isZero();
        a.limit(10);
        java.nio.ByteBuffer again = chunks.take();
        assertThat(again).isSameAs(a);
        assertThat(again.remaining()).isEqualTo(PayloadStream.CHUNK);
        assertThat(chunks.inUse()).isEqualTo(1);
    }

    private Outcome post(String path, Payload payload) throws Exception {
        PushConfig config = PushConfig.parse("{\"url\": \"http://127.0.0.1:" + server.actualPort() + path
                + "\", \"timeout_ms\": 20000}");
        Context ctx = vertx.getOrCreateContext();
        Poster poster = new Poster(ctx, client, config, PushTargets.of(List.of("127.0.0.1"), false), "q");
        poster.sendFiles = sendFiles;
        Delivery d = new Delivery(1, 1, 0, 0, MessageBody.of(payload));
        java.util.concurrent.CompletableFuture<Outcome> out = new java.util.concurrent.CompletableFuture<>();
        ctx.runOnContext(v -> poster.post(d, Optional.empty()).onComplete(ar -> out.complete(ar.result())));
        return out.get(30, TimeUnit.SECONDS);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static String sha(byte[] b, int off, int len) {
        MessageDigest d = Endpoint.sha();
        d.update(b, off, len);
        return HexFormat.of().formatHex(d.digest());
    }

    /** A payload readable only through its stream (as an encrypted or database payload is). */
    private record StreamOnly(byte[] bytes) implements Payload.Streamed {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public InputStream openStream() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public void transferTo(WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }
    }
}
