package dev.spool.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

import dev.spool.api.NewMessage;
import dev.spool.api.SpoolException;

/**
 * Pushes messages to one queue in batches: a batch is sent when it holds
 * {@link ProducerOptions#maxBatch()} messages or its oldest message has waited
 * {@link ProducerOptions#lingerMs()}. Each {@link #send(NewMessage)} returns a future of the
 * message's id, completed when the server made the batch durable.
 *
 * <p>Batches travel over {@link ProducerOptions#transport()}: by default one {@code /v1/stream}
 * WebSocket ({@link StreamPusher}: frames pipelined in send order, unconfirmed batches sent again
 * on a new socket when one is lost), else pooled HTTP requests (at most
 * {@link ProducerOptions#maxInFlight()} outstanding).
 *
 * <p>Memory is bounded: at most {@link ProducerOptions#maxBuffered()} messages are buffered or
 * unconfirmed, and {@code send} blocks until there is room (backpressure). A batch the server
 * refuses with {@code 429} or {@code 503} applied nothing and is sent again after
 * {@code Retry-After}; other refusals fail the futures of the batch's messages. Delivery is at least
 * once: an HTTP connection lost mid-request fails the futures of a batch that may have been stored,
 * and a lost stream socket makes its unconfirmed batches go again (use {@code dedup_id} to make a
 * resend harmless).
 *
 * <p>Thread-safe; futures complete on a network thread, so do not block in their callbacks.
 */
public final class Producer implements AutoCloseable {
    private final SpoolClient client;
    private final String queue;
    private final ProducerOptions options;
    private final Semaphore room;
    private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();
    /** Batches taken but not sent yet because {@code maxInFlight} requests are outstanding. */
    private final Deque<Batch> waiting = new ArrayDeque<>();
    private int sending;
    private final Object lock = new Object();
    private List<NewMessage> messages;
    private List<CompletableFuture<Long>> futures;
    private long batchNumber;
    private boolean closed;
    /** The stream side; null over HTTP. */
    private final StreamPusher stream;

    Producer(SpoolClient client, String queue, ProducerOptions options) {
        this.client = client;
        this.queue = queue;
        this.options = options;
        this.room = new Semaphore(options.maxBuffered());
        this.stream = options.transport() == PushTransport.STREAM
                ? new StreamPusher(client, queue, options, this::finish) : null;
        newBatch();
    }

    private void newBatch() {
        messages = new ArrayList<>(Math.min(options.maxBatch(), 1024));
        futures = new ArrayList<>(Math.min(options.maxBatch(), 1024));
        batchNumber++;
    }

    /**
     * Adds a message to the current batch, blocking while the buffer is full.
     *
     * @return the future of the message's id
     * @throws SpoolException {@code unavailable} when the producer is closed or the thread interrupted
     */
    public CompletableFuture<Long> send(NewMessage message) {
        try {
            room.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SpoolException.unavailable("interrupted while waiting for room in the producer", e);
        }
        CompletableFuture<Long> f = new CompletableFuture<>();
        Batch full = null;
        synchronized (lock) {
            if (closed) {
                room.release();
                throw new SpoolException(dev.spool.api.ErrorCode.UNAVAILABLE, "producer is closed");
            }
            messages.add(message);
            futures.add(f);
            if (messages.size() >= options.maxBatch() || options.lingerMs() == 0) {
                full = takeLocked();
            } else if (messages.size() == 1) {
                long n = batchNumber;
                client.transport().vertx().setTimer(options.lingerMs(), id -> lingerEnded(n));
            }
        }
        if (full != null) {
            submit(full);
        }
        return f;
    }

    private void lingerEnded(long number) {
        Batch b = null;
        synchronized (lock) {
            if (number == batchNumber && !messages.isEmpty()) {
                b = takeLocked();
            }
        }
        if (b != null) {
            submit(b);
        }
    }

    /**
     * The current batch, replaced by an empty one; call with the lock held. Over the stream the
     * batch is handed to the socket here, under the lock, so that frames leave in the order the
     * batches were taken (the stream only queues the frame: nothing blocks).
     */
    private Batch takeLocked() {
        Batch b = take();
        if (stream != null) {
            stream.send(b);
            return null;
        }
        return b;
    }

    /** Sends a batch now, or queues it behind the outstanding requests, keeping batches in order. */
    private void submit(Batch b) {
        synchronized (waiting) {
            if (sending >= options.maxInFlight()) {
                waiting.add(b);
                return;
            }
            sending++;
        }
        dispatch(b, 0);
    }

    /** A request ended: the next waiting batch may go. */
    private void sent() {
        Batch next;
        synchronized (waiting) {
            next = waiting.poll();
            if (next == null) {
                sending--;
                return;
            }
        }
        dispatch(next, 0);
    }

    /** The current batch, replaced by an empty one; call with the lock held. */
    private Batch take() {
        Batch b = new Batch(messages, futures, new CompletableFuture<>());
        inFlight.add(b.done);
        newBatch();
        return b;
    }

    /** A batch of messages and their futures; {@code done} completes once every future has. */
    record Batch(List<NewMessage> messages, List<CompletableFuture<Long>> futures, CompletableFuture<Void> done) {
    }

    private void dispatch(Batch b, int attempt) {
        client.push(queue, b.messages).whenComplete((ids, e) -> {
            if (e == null) {
                for (int i = 0; i < ids.length; i++) {
                    b.futures.get(i).complete(ids[i]);
                }
                sent();
                finish(b);
                return;
            }
            Throwable cause = SpoolClient.unwrap(e);
            if (attempt < options.maxRetries() && Transport.isServerRetryable(cause)) {
                long delay = ((SpoolException) cause).retryAfterMs().orElse(100L << Math.min(attempt, 6));
                client.transport().vertx().setTimer(Math.max(1, delay), id -> dispatch(b, attempt + 1));
                return;
            }
            for (CompletableFuture<Long> f : b.futures) {
                f.completeExceptionally(cause);
            }
            sent();
            finish(b);
        });
    }

    /** A batch is answered (every future completed): its room is free. */
    private void finish(Batch b) {
        room.release(b.messages.size());
        inFlight.remove(b.done);
        b.done.complete(null);
    }

    /** Messages sent again over a new stream socket (0 over HTTP); each may be stored twice. */
    long resentMessages() {
        return stream == null ? 0 : stream.resentMessages();
    }

    /** Sends the current batch now and waits until every message sent so far is answered. */
    public void flush() {
        SpoolClient.await(flushAsync());
    }

    /**
     * Sends the current batch now without waiting.
     *
     * @return a future completed (never exceptionally) once every message sent so far is answered;
     *         each message's own future says whether it was stored
     */
    public CompletableFuture<Void> flushAsync() {
        Batch b = null;
        synchronized (lock) {
            if (!messages.isEmpty()) {
                b = takeLocked();
            }
        }
        if (b != null) {
            submit(b);
        }
        return CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0]));
    }

    /** Sends what is buffered, waits for the answers, closes the stream socket and refuses further sends. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            flush();
        } finally {
            if (stream != null) {
                stream.close();
            }
        }
    }
}
