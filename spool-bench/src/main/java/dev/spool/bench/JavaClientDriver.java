package dev.spool.bench;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.client.Consumer;
import dev.spool.client.ConsumerOptions;
import dev.spool.client.Producer;
import dev.spool.client.ProducerOptions;
import dev.spool.client.SpoolClient;

/**
 * Load through the Java client as users run it: a {@link Producer} per producer with the default
 * transport (its own {@code /v1/stream} WebSocket, push frames pipelined) and a stream
 * {@link Consumer} per consumer (credit {@code prefetch}, acks batched by the consumer and sent
 * without replies). The bench's batch becomes the producer's batch: its messages are sent one by
 * one and handed over together with {@link Producer#flushAsync()}, so the bench's window, not a
 * blocking flush, bounds what is unconfirmed. Completions hop to a pool of {@code bench-java-*}
 * threads so that the client's callbacks are never blocked by the bench.
 */
final class JavaClientDriver implements Driver {
    private final Run run;
    private final SpoolClient client;
    private final ExecutorService pool;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    JavaClientDriver(URI url, Run run) {
        this.run = run;
        this.client = SpoolClient.connect(url.toString());
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(2,
                r -> Thread.ofPlatform().daemon().name("bench-java-" + n.incrementAndGet()).unstarted(r));
    }

    @Override
    public CompletableFuture<Pusher> producer(int index) {
        // the window is enforced by the bench; the producer's buffer only has to hold it
        ProducerOptions options = ProducerOptions.DEFAULTS.withMaxBatch(run.spec.batch())
                .withMaxBuffered(Math.max(ProducerOptions.DEFAULTS.maxBuffered(), run.spec.window())).withLingerMs(1);
        Producer p = client.producer(run.queue, options);
        open.add(p);
        return CompletableFuture.completedFuture(b -> {
            CompletableFuture<?>[] ids = new CompletableFuture<?>[b.size()];
            for (int i = 0; i < b.size(); i++) {
                long seq = b.firstSeq() + i;
                // a JSON string, as the stream and HTTP drivers send it (the client writes it as it is)
                NewMessage.Builder m = NewMessage.builder(Payload.of(run.payloadJsonBytes(b.producer(), seq)))
                        .contentType(MessageBody.JSON);
                String key = run.key(b.producer(), seq);
                if (key != null) {
                    m.key(key);
                }
                ids[i] = p.send(m.build());
            }
            p.flushAsync();
            return CompletableFuture.allOf(ids).thenApplyAsync(v -> (Void) null, pool);
        });
    }

    @Override
    public CompletableFuture<ConsumerHandle> consumer(int group, int index) {
        ConsumerOptions options = ConsumerOptions.DEFAULTS.withGroup(Run.groupName(group))
                .withPrefetch(run.spec.prefetch()).withConcurrency(1)
                .withAckBatch(run.spec.ackEach() ? 1 : run.spec.prefetch());
        Consumer c = client.consumer(run.queue, options, d -> {
            CpuSplit.markLoad();
            run.delivered(group, Ids.parse(d.body().payload().toBytes()));
        });
        open.add(c);
        return CompletableFuture.completedFuture(() -> CompletableFuture.runAsync(c::close, pool));
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                run.stats.error("close", e);
            }
        }
        client.close();
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
