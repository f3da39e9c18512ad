package dev.spool.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Delivery;
import dev.spool.api.SpoolException;

/**
 * Consumes a queue over the {@code /v1/stream} WebSocket and runs a {@link MessageHandler} for each
 * message on a pool of {@link ConsumerOptions#concurrency()} threads.
 *
 * <p><b>Prefetch.</b> The subscription's credit is {@link ConsumerOptions#prefetch()}: the server
 * sends a message only while credit is left, and every ack or nack sent gives one credit back, so the
 * consumer never holds more than {@code prefetch} messages and memory stays bounded.
 * <b>Acks</b> of handled messages are gathered and sent in frames of up to
 * {@link ConsumerOptions#ackBatch()} receipts, at the latest {@link ConsumerOptions#ackLingerMs()}
 * after the handler returned, without {@code req}: the server answers only for receipts it did not
 * apply, counted in {@link Stats#stale()}. A handler that throws nacks its message (the queue's
 * backoff applies).
 * <b>Leases</b> of messages still held (running slowly or waiting for a thread) are extended when
 * half of the lease is used. <b>Errors</b>: when the socket closes or the subscription ends, the
 * consumer reconnects and subscribes again, waiting {@link ConsumerOptions#reconnectInitialMs()},
 * doubling up to {@link ConsumerOptions#reconnectMaxMs()}; messages already held are still acked
 * over the new socket.
 *
 * <p>Delivery is at least once: a message whose ack was lost with a connection comes again.
 */
public final class Consumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Consumer.class);

    private final SpoolClient client;
    private final String queue;
    private final ConsumerOptions options;
    private final MessageHandler handler;
    private final Vertx vertx;
    private final ThreadPoolExecutor pool;
    private final String sub = "c" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final Queue<Done> done = new ConcurrentLinkedQueue<>();
    /** Acks and nacks sent whose outcome is not counted yet: close waits for them. */
    private final Set<CompletableFuture<?>> counting = ConcurrentHashMap.newKeySet();
    private final AtomicInteger doneCount = new AtomicInteger();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    private final AtomicLong extended = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final long ackTimer;
    private final long extendTimer;
    private volatile StreamSocket socket;
    private volatile boolean subscribed;
    private volatile boolean closing;
    private int failures;

    /**
     * Handled messages that trigger an ack frame at once: the ack batch, at most half the prefetch
     * (a frame also goes at once when every held message is handled).
     */
    private final int flushAt;

    /** A message held by the consumer: received, not yet acked or nacked. */
    private static final class Held {
        final Delivery delivery;
        final long leaseMs;
        volatile long deadline;
        volatile boolean extending;

        Held(Delivery delivery, long leaseMs, long now) {
            this.delivery = delivery;
            this.leaseMs = leaseMs;
            this.deadline = now + leaseMs;
        }
    }

    private record Done(String receipt, String reason) {
    }

    private final class Task implements Runnable {
        final Held held;

        Task(Held held) {
            this.held = held;
        }

        @Override
        public void run() {
            handle(held);
        }
    }

    private Consumer(SpoolClient client, String queue, ConsumerOptions options, MessageHandler handler) {
        this.client = client;
        this.queue = queue;
        this.options = options;
        this.handler = handler;
        this.vertx = client.transport().vertx();
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(options.concurrency(), options.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(options.prefetch()), r -> {
                    Thread t = new Thread(r, "spool-consumer-" + queue + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, ex) -> giveBack(((Task) r).held, "consumer is closing"));
        // Credit comes back only with acks: waiting for a full ack batch larger than the prefetch
        // (or equal to it) would leave the consumer idle until the linger timer fires.
        this.flushAt = Math.min(options.ackBatch(), Math.max(1, options.prefetch() / 2));
        this.ackTimer = vertx.setPeriodic(options.ackLingerMs(), id -> flushAcks());
        long every = options.visibilityMs() > 0 ? Math.max(10, Math.min(1000, options.visibilityMs() / 4)) : 250;
        this.extendTimer = vertx.setPeriodic(every, id -> extendLeases());
    }

    static Consumer start(SpoolClient client, String queue, ConsumerOptions options, MessageHandler handler) {
        Consumer c = new Consumer(client, queue, options, handler);
        c.connect();
        return c;
    }

    /**
     * Counts since the start.
     *
     * @param handled handler calls that returned normally
     * @param failed handler calls that threw (nacked)
     * @param acked receipts sent in ack frames, less those the server reported as not applied (acks
     *        are sent without {@code req}: the server answers only for receipts it did not apply, so
     *        an ack counts here once written, and leaves this count if such an answer comes)
     * @param stale acks or extensions the server did not apply (the lease was lost: stale, or the
     *        message is gone)
     * @param extended leases extended
     * @param reconnects connections opened after the first
     */
    public record Stats(long handled, long failed, long acked, long stale, long extended, long reconnects) {
    }

    /** Counts since the start. */
    public Stats stats() {
        return new Stats(handled.get(), failed.get(), acked.get(), stale.get(), extended.get(), reconnects.get());
    }

    /** Messages held right now: received and not yet acked or nacked; never more than the prefetch. */
    public int held() {
        return held.size();
    }

    /** Whether the consumer is subscribed right now. */
    public boolean isSubscribed() {
        return subscribed;
    }

    // ---- connection ----

    private void connect() {
        if (closing) {
            return;
        }
        StreamSocket.open(client.transport(), new Events()).whenComplete((s, e) -> {
            if (e != null) {
                retryLater("cannot open the stream", e);
                return;
            }
            socket = s;
            if (closing) {
                s.close();
                return;
            }
            subscribe(s);
        });
    }

    private void subscribe(StreamSocket s) {
        int credit = Math.max(0, options.prefetch() - held.size());
        s.request("subscribe", g -> {
            g.writeStringField("queue", queue);
            g.writeStringField("group", options.group());
            g.writeStringField("sub", sub);
            g.writeNumberField("credit", credit);
            g.writeNumberField("visibility_ms", options.visibilityMs());
        }).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.warn("subscribe to {} failed: {}", queue, SpoolClient.unwrap(e).getMessage());
                s.close(); // reconnects with backoff
                return;
            }
            subscribed = true;
            synchronized (this) {
                failures = 0;
            }
            if (doneCount.get() >= flushAt) {
                // handled before the subscription was confirmed: their acks were held back until now
                vertx.runOnContext(v -> flushAcks());
            }
        });
    }

    private void retryLater(String what, Throwable e) {
        subscribed = false;
        if (closing) {
            return;
        }
        long delay;
        synchronized (this) {
            delay = Math.min(options.reconnectMaxMs(), options.reconnectInitialMs() << Math.min(failures, 20));
            failures++;
        }
        LOG.warn("{} on {} ({}); retrying in {} ms", what, queue, SpoolClient.unwrap(e).getMessage(), delay);
        vertx.setTimer(delay, id -> {
            reconnects.incrementAndGet();
            connect();
        });
    }

    private final class Events implements StreamSocket.Listener {
        @Override
        public void onMessages(StreamSocket s, List<Delivery> messages) {
            long now = System.currentTimeMillis();
            for (Delivery d : messages) {
                long lease = options.visibilityMs() > 0 ? options.visibilityMs()
                        : Math.max(1000, d.leaseExpiresAt() - now);
                Held h = new Held(d, lease, now);
                held.put(d.receipt(), h);
                if (closing) {
                    giveBack(h, "consumer is closing");
                } else {
                    pool.execute(new Task(h));
                }
            }
        }

        @Override
        public void onSubscriptionEnded(StreamSocket s, String subName, SpoolException error) {
            LOG.warn("subscription to {} ended: {} {}", queue, error.code().id(), error.getMessage());
            s.close();
        }

        @Override
        public void onNotApplied(StreamSocket s, SpoolException error, JsonNode results) {
            // only acks go without req: these receipts were counted as acked when sent
            int n = results.size();
            stale.addAndGet(n);
            acked.addAndGet(-n);
            LOG.debug("{} acks on {} not applied: {}", n, queue, error.code().id());
        }

        @Override
        public void onClosed(StreamSocket s) {
            subscribed = false;
            if (!closing) {
                retryLater("stream closed", new SpoolException(dev.spool.api.ErrorCode.UNAVAILABLE, "socket closed"));
            }
        }
    }

    // ---- handling and acks ----

    private void handle(Held h) {
        String reason = null;
        try {
            handler.handle(h.delivery);
            handled.incrementAndGet();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Exception | Error e) {
            // an AssertionError or LinkageError of one message must not leak its credit for good
            failed.incrementAndGet();
            reason = String.valueOf(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            reason = reason.length() > 4000 ? reason.substring(0, 4000) : reason;
        }
        done.add(new Done(h.delivery.receipt(), reason));
        int waiting = doneCount.incrementAndGet();
        // a full frame, or every held message handled: lingering would only delay credit. Sent from
        // this thread: a hop to an event loop first (not necessarily the socket's) only delays it
        if (waiting >= flushAt || waiting >= held.size()) {
            flushAcks();
        }
    }

    /** A message that will not be handled: nacked without delay so another consumer gets it at once. */
    private void giveBack(Held h, String reason) {
        done.add(new Done(h.delivery.receipt(), "\u0000" + reason));
        doneCount.incrementAndGet();
    }

    /** Sends acks (and nacks) of handled messages, each frame granting their credit back. */
    private synchronized void flushAcks() {
        StreamSocket s = socket;
        // before the subscription is confirmed an ack could not carry credit, and the credit of the
        // new subscription is computed from what is held: keep the acks until then
        if (s == null || !s.isOpen() || done.isEmpty() || !subscribed && !closing) {
            return;
        }
        boolean credit = subscribed && !closing;
        List<String> ok = new ArrayList<>(Math.min(options.ackBatch(), 1024));
        Done d;
        while ((d = done.poll()) != null) {
            doneCount.decrementAndGet();
            held.remove(d.receipt);
            if (d.reason == null) {
                ok.add(d.receipt);
                if (ok.size() == options.ackBatch()) {
                    sendAcks(s, ok, credit);
                    ok = new ArrayList<>(options.ackBatch());
                }
            } else {
                sendNack(s, d, credit);
            }
        }
        if (!ok.isEmpty()) {
            sendAcks(s, ok, credit);
        }
    }

    /**
     * Sends one ack frame. While running it carries no {@code req}: the server answers only for
     * receipts it did not apply ({@link Events#onNotApplied}), so a frame costs one message on the
     * wire. While closing it carries one, so that {@link #close} can wait for the outcome.
     */
    private void sendAcks(StreamSocket s, List<String> receipts, boolean credit) {
        JsonCodec.Writer fields = g -> {
            receiptFields(g, receipts);
            if (credit) {
                g.writeStringField("sub", sub);
                g.writeNumberField("credit", receipts.size());
            }
        };
        if (closing) {
            track(s.request("ack", fields), acked);
        } else if (s.fire("ack", fields)) {
            acked.addAndGet(receipts.size());
        }
    }

    /** Counts the outcomes of an ack or nack once answered; {@link #close} waits until it has. */
    private void track(CompletableFuture<JsonNode> reply, AtomicLong counter) {
        CompletableFuture<Void> counted = reply.handle((r, e) -> {
            countOutcomes(r, e, counter);
            return null;
        });
        counting.add(counted);
        counted.whenComplete((v, e) -> counting.remove(counted));
    }

    private void sendNack(StreamSocket s, Done d, boolean credit) {
        boolean giveBack = d.reason.startsWith("\u0000");
        track(s.request("nack", g -> {
            receiptFields(g, List.of(d.receipt));
            if (giveBack) {
                g.writeNumberField("delay_ms", 0);
            }
            g.writeStringField("reason", giveBack ? d.reason.substring(1) : d.reason);
            if (credit) {
                g.writeStringField("sub", sub);
                g.writeNumberField("credit", 1);
            }
        }), null);
    }

    private void receiptFields(com.fasterxml.jackson.core.JsonGenerator g, List<String> receipts)
            throws java.io.IOException {
        g.writeStringField("queue", queue);
        g.writeStringField("group", options.group());
        g.writeArrayFieldStart("receipts");
        for (String r : receipts) {
            g.writeString(r);
        }
        g.writeEndArray();
    }

    private void countOutcomes(JsonNode reply, Throwable e, AtomicLong okCounter) {
        if (e != null) {
            LOG.warn("ack/nack on {} failed: {}", queue, SpoolClient.unwrap(e).getMessage());
            return;
        }
        for (JsonNode r : reply.path("results")) {
            String status = r.path("status").asText();
            if ("ok".equals(status)) {
                if (okCounter != null) {
                    okCounter.incrementAndGet();
                }
            } else {
                stale.incrementAndGet();
            }
        }
    }

    /** Extends the leases of held messages that used half of their lease. */
    private void extendLeases() {
        StreamSocket s = socket;
        if (s == null || !s.isOpen() || held.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        List<Held> due = new ArrayList<>();
        for (Held h : held.values()) {
            if (!h.extending && h.deadline - now < h.leaseMs / 2) {
                h.extending = true;
                due.add(h);
            }
        }
        for (int from = 0; from < due.size(); from += options.ackBatch()) {
            List<Held> part = due.subList(from, Math.min(due.size(), from + options.ackBatch()));
            List<String> receipts = new ArrayList<>(part.size());
            for (Held h : part) {
                receipts.add(h.delivery.receipt());
            }
            s.request("extend", g -> {
                receiptFields(g, receipts);
                g.writeNumberField("visibility_ms", options.visibilityMs());
            }).whenComplete((r, e) -> extendedOrNot(part, r, e, now));
        }
    }

    private void extendedOrNot(List<Held> part, JsonNode reply, Throwable e, long sentAt) {
        for (int i = 0; i < part.size(); i++) {
            Held h = part.get(i);
            h.extending = false;
            if (e == null && "ok".equals(reply.path("results").path(i).path("status").asText())) {
                h.deadline = sentAt + h.leaseMs;
                extended.incrementAndGet();
            } else if (e == null) {
                stale.incrementAndGet();
                h.deadline = Long.MAX_VALUE; // lost: no point extending again
            }
        }
    }

    /**
     * Stops: no new messages are taken, messages not started are given back (nacked without
     * delay), running handlers finish (up to 30 s), their acks are sent and answered, then the
     * socket closes.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        StreamSocket s = socket;
        if (s != null && s.isOpen()) {
            s.fire("unsubscribe", g -> g.writeStringField("sub", sub));
        }
        List<Runnable> notStarted = new ArrayList<>();
        pool.getQueue().drainTo(notStarted);
        for (Runnable r : notStarted) {
            giveBack(((Task) r).held, "consumer is closing");
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("handlers of {} still running after 30 s; their messages will be redelivered", queue);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        vertx.cancelTimer(ackTimer);
        vertx.cancelTimer(extendTimer);
        flushAcks();
        if (s != null) {
            try {
                CompletableFuture.allOf(s.pendingReplies()).get(10, TimeUnit.SECONDS);
                // the outcome counters are updated by callbacks that may run after the replies
                CompletableFuture.allOf(counting.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                LOG.debug("some acks of {} were not answered before close", queue);
            }
            s.close();
        }
    }
}
