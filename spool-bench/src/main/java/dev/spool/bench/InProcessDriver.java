package dev.spool.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.bench.Stats.Op;

/**
 * Load through the Broker API of the in-process server, without HTTP: what the engine and its
 * storage can do on their own. Completions hop from the engine's threads to a pool of
 * {@code bench-inproc-*} threads so that load-generator work is counted as such.
 */
final class InProcessDriver implements Driver {
    private final Run run;
    private final Broker broker;
    private final ExecutorService pool;

    InProcessDriver(Broker broker, Run run) {
        this.run = run;
        this.broker = broker;
        AtomicInteger n = new AtomicInteger();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.pool = Executors.newFixedThreadPool(threads,
                r -> Thread.ofPlatform().daemon().name("bench-inproc-" + n.incrementAndGet()).unstarted(r));
    }

    @Override
    public CompletableFuture<Pusher> producer(int index) {
        return CompletableFuture.completedFuture(b -> {
            List<NewMessage> batch = new ArrayList<>(b.size());
            for (int i = 0; i < b.size(); i++) {
                long seq = b.firstSeq() + i;
                NewMessage.Builder m = NewMessage.builder(Payload.of(run.payloadBytes(b.producer(), seq)));
                String key = run.key(b.producer(), seq);
                if (key != null) {
                    m.key(key);
                }
                batch.add(m.build());
            }
            return broker.push(run.queue, batch).thenApplyAsync(ids -> (Void) null, pool).toCompletableFuture();
        });
    }

    @Override
    public CompletableFuture<ConsumerHandle> consumer(int group, int index) {
        Consumer c = new Consumer(group);
        pool.execute(c::loop);
        return CompletableFuture.completedFuture(c);
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Pop (waiting up to a second), record, ack, again. */
    private final class Consumer implements ConsumerHandle {
        private final int group;
        private final String groupName;
        private final PopRequest pop;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean stopped;

        Consumer(int group) {
            this.group = group;
            this.groupName = Run.groupName(group);
            this.pop = new PopRequest(groupName, run.spec.popMax(), 0, HttpDriver.WAIT_MS);
        }

        @Override
        public CompletableFuture<Void> stop() {
            stopped = true;
            return done;
        }

        void loop() {
            if (stopped) {
                done.complete(null);
                return;
            }
            long t0 = System.nanoTime();
            broker.pop(run.queue, pop).whenCompleteAsync((ds, e) -> {
                if (e != null) {
                    run.stats.error("pop", e);
                    run.scheduler.schedule(() -> pool.execute(this::loop), 10, TimeUnit.MILLISECONDS);
                    return;
                }
                if (ds.isEmpty()) {
                    loop();
                    return;
                }
                run.stats.record(Op.POP, t0);
                for (Delivery d : ds) {
                    run.delivered(group, Ids.parse(d.body().payload().toBytes()));
                }
                ack(ds).whenComplete((v, e2) -> loop());
            }, pool);
        }

        private CompletableFuture<Void> ack(List<Delivery> ds) {
            if (!run.spec.ackEach() || ds.size() == 1) {
                return ackCall(Receipts.of(ds), ds.size());
            }
            CompletableFuture<?>[] all = new CompletableFuture<?>[ds.size()];
            for (int i = 0; i < ds.size(); i++) {
                all[i] = ackCall(Receipts.of(ds.get(i).id(), ds.get(i).attempts(), ds.get(i).tag()), 1);
            }
            return CompletableFuture.allOf(all);
        }

        private CompletableFuture<Void> ackCall(Receipts receipts, int n) {
            long t0 = System.nanoTime();
            return broker.ack(run.queue, new AckRequest(groupName, receipts, Optional.empty()))
                    .handleAsync((Outcomes o, Throwable e) -> {
                        if (e != null) {
                            run.stats.error("ack", e);
                        } else {
                            run.stats.record(Op.ACK, t0);
                            int ok = o.okCount();
                            run.stats.ackedMessages.add(ok);
                            if (ok != n) {
                                run.stats.error((n - ok) + " acks not ok", null);
                            }
                        }
                        return (Void) null;
                    }, pool).toCompletableFuture();
        }
    }
}
