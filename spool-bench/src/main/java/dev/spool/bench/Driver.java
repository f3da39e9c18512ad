package dev.spool.bench;

import java.util.concurrent.CompletableFuture;

/**
 * One way of reaching the server (HTTP, the stream WebSocket, the Broker API in process). A driver
 * opens producers and consumers; it reports deliveries to the {@link Run} and records pop and ack
 * latencies itself. Futures it returns complete on load-generator threads, never inline.
 */
interface Driver extends AutoCloseable {

    /** Opens producer {@code index} (its connection or socket). */
    CompletableFuture<Pusher> producer(int index);

    /** Starts consumer {@code index} of group {@code group}; completes once it is consuming. */
    CompletableFuture<ConsumerHandle> consumer(int group, int index);

    @Override
    void close();

    /** Pushes batches; one call at a time per producer in closed loop. */
    interface Pusher {
        /** Completes when the server acknowledged the batch, exceptionally when it refused it. */
        CompletableFuture<Void> push(Batch b);
    }

    /** A running consumer. */
    interface ConsumerHandle {
        /** Stops after the request in flight (its deliveries are still recorded and acked). */
        CompletableFuture<Void> stop();
    }
}
