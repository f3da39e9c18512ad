package dev.spool.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.Receipts;

/**
 * Fuses concurrent requests of one kind on one queue into one statement: while a lane's statements
 * are running (at most {@link #INFLIGHT} at a time), new requests queue up, and the next statement
 * carries all of them. Under load a queue's pending pushes, pops or acks cost one round trip per
 * batch; with no load a request goes out at once. A fused push that fails is retried request by
 * request, so one request's bad message fails only that request (each stays all-or-nothing).
 */
final class Fusion implements AutoCloseable {
    static final int INFLIGHT = 2;
    /** A batch stops growing at this many messages or receipts (one request may overshoot it). */
    private static final int MAX_FUSED = 10_000;

    private final Db db;
    private final ReceiptSigner signer;
    private final Map<String, Lane<?>> lanes = new ConcurrentHashMap<>();

    Fusion(Db db, ReceiptSigner signer) {
        this.db = db;
        this.signer = signer;
    }

    private record PushReq(List<NewMessage> messages, CompletableFuture<long[]> future) {
    }

    private record PopReq(int max, CompletableFuture<List<Delivery>> future) {
    }

    private record AckReq(Receipts receipts, CompletableFuture<Outcomes> future) {
    }

    CompletableFuture<long[]> push(String queue, boolean create, List<NewMessage> messages) {
        PushReq r = new PushReq(messages, new CompletableFuture<>());
        lane("push\0" + queue + "\0" + create, (List<PushReq> batch) -> pushBatch(queue, create, batch),
                (PushReq x) -> x.messages().size()).offer(r);
        return r.future();
    }

    CompletableFuture<List<Delivery>> pop(String queue, String group, boolean create, int max, long vis) {
        PopReq r = new PopReq(max, new CompletableFuture<>());
        lane("pop\0" + queue + "\0" + group + "\0" + create + "\0" + vis,
                (List<PopReq> batch) -> popBatch(queue, group, create, vis, batch), PopReq::max).offer(r);
        return r.future();
    }

    CompletableFuture<Outcomes> ack(String queue, String group, Receipts receipts) {
        AckReq r = new AckReq(receipts, new CompletableFuture<>());
        lane("ack\0" + queue + "\0" + group, (List<AckReq> batch) -> ackBatch(queue, group, batch),
                (AckReq x) -> x.receipts().size()).offer(r);
        return r.future();
    }

    @SuppressWarnings("unchecked")
    private <R> Lane<R> lane(String key, Function<List<R>, CompletableFuture<Void>> run,
            java.util.function.ToIntFunction<R> weight) {
        return (Lane<R>) lanes.computeIfAbsent(key, k -> new Lane<>(k, lanes, run, weight));
    }

    /** Lanes that currently exist (idle lanes are dropped; for tests). */
    int lanes() {
        return lanes.size();
    }

    private CompletableFuture<Void> pushBatch(String queue, boolean create, List<PushReq> batch) {
        if (batch.size() == 1) {
            PushReq r = batch.get(0);
            return db.call(c -> MessageOps.push(db, c, queue, create, r.messages()))
                    .handle((ids, e) -> complete(r.future(), ids, e));
        }
        List<NewMessage> all = new ArrayList<>();
        for (PushReq r : batch) {
            all.addAll(r.messages());
        }
        return db.call(c -> MessageOps.push(db, c, queue, create, all)).handle((ids, e) -> {
            if (e != null) {
                for (PushReq r : batch) {
                    db.call(c -> MessageOps.push(db, c, queue, create, r.messages()))
                            .whenComplete((one, e2) -> complete(r.future(), one, e2));
                }
                return null;
            }
            int at = 0;
            for (PushReq r : batch) {
                long[] part = new long[r.messages().size()];
                System.arraycopy(ids, at, part, 0, part.length);
                at += part.length;
                r.future().complete(part);
            }
            return null;
        });
    }

    private CompletableFuture<Void> popBatch(String queue, String group, boolean create, long vis, List<PopReq> batch) {
        int total = 0;
        for (PopReq r : batch) {
            total += r.max();
        }
        int max = total;
        return db.call(c -> MessageOps.pop(db, c, signer, queue, group, create, max, vis)).handle((list, e) -> {
            int at = 0;
            for (PopReq r : batch) {
                if (e != null) {
                    complete(r.future(), null, e);
                    continue;
                }
                int n = Math.min(r.max(), list.size() - at);
                r.future().complete(n <= 0 ? List.of() : List.copyOf(list.subList(at, at + n)));
                at += Math.max(0, n);
            }
            return null;
        });
    }

    private CompletableFuture<Void> ackBatch(String queue, String group, List<AckReq> batch) {
        int total = 0;
        for (AckReq r : batch) {
            total += r.receipts().size();
        }
        long[] ids = new long[total];
        int[] fences = new int[total];
        long[] tags = new long[total];
        int k = 0;
        for (AckReq r : batch) {
            for (int i = 0; i < r.receipts().size(); i++, k++) {
                ids[k] = r.receipts().id(i);
                fences[k] = r.receipts().fence(i);
                tags[k] = r.receipts().tag(i);
            }
        }
        MessageOps.Batch all = new MessageOps.Batch(ids, fences, tags);
        // the tags are checked on the worker, before the fused statement, receipt by receipt
        return db.call(c -> MessageOps.ack(c, signer, queue, group, all, Optional.empty())).handle((o, e) -> {
            int at = 0;
            for (AckReq r : batch) {
                if (e != null) {
                    complete(r.future(), null, e);
                    continue;
                }
                Outcomes.Builder b = Outcomes.builder(r.receipts().size());
                for (int i = 0; i < r.receipts().size(); i++) {
                    b.set(i, o.get(at++));
                }
                r.future().complete(b.build());
            }
            return null;
        });
    }

    private static <T> Void complete(CompletableFuture<T> f, T value, Throwable e) {
        if (e != null) {
            f.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e);
        } else {
            f.complete(value);
        }
        return null;
    }

    @Override
    public void close() {
        lanes.clear();
    }

    /**
     * Pending requests of one kind on one queue, and the statements running for them. A lane that
     * fell idle removes itself from the map, so lanes for names or visibility values used once do
     * not accumulate; a request that reached a lane just as it was removed is still run by it
     * (every offer drains), and the next request makes a new lane.
     */
    private static final class Lane<R> {
        private final ConcurrentLinkedQueue<R> pending = new ConcurrentLinkedQueue<>();
        private final AtomicInteger inflight = new AtomicInteger();
        private final String key;
        private final Map<String, Lane<?>> lanes;
        private final Function<List<R>, CompletableFuture<Void>> run;
        private final java.util.function.ToIntFunction<R> weight;

        Lane(String key, Map<String, Lane<?>> lanes, Function<List<R>, CompletableFuture<Void>> run,
                java.util.function.ToIntFunction<R> weight) {
            this.key = key;
            this.lanes = lanes;
            this.run = run;
            this.weight = weight;
        }

        void offer(R r) {
            pending.add(r);
            drain();
        }

        private void drain() {
            while (true) {
                int n = inflight.get();
                if (n >= INFLIGHT || pending.isEmpty()) {
                    return;
                }
                if (inflight.compareAndSet(n, n + 1)) {
                    break;
                }
            }
            List<R> batch = new ArrayList<>();
            int size = 0;
            R r;
            // poll, never peek-then-poll: two drainers may run at once
            while (size < MAX_FUSED && (r = pending.poll()) != null) {
                batch.add(r);
                size += weight.applyAsInt(r);
            }
            if (batch.isEmpty()) {
                inflight.decrementAndGet();
                drain();
                return;
            }
            run.apply(batch).whenComplete((v, e) -> {
                inflight.decrementAndGet();
                drain();
                if (inflight.get() == 0 && pending.isEmpty()) {
                    lanes.remove(key, this);
                    // an offer may have slipped in between the check and the removal: it drains
                    // by itself, but run anything it left behind here too
                    drain();
                }
            });
        }
    }
}
