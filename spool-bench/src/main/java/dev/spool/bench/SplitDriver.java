package dev.spool.bench;

import java.util.concurrent.CompletableFuture;

/**
 * Producers through one driver, consumers through another: a run over two servers that share a
 * backend, where every message is pushed on one server and delivered by the other.
 */
final class SplitDriver implements Driver {
    private final Driver producers;
    private final Driver consumers;

    SplitDriver(Driver producers, Driver consumers) {
        this.producers = producers;
        this.consumers = consumers;
    }

    @Override
    public CompletableFuture<Pusher> producer(int index) {
        return producers.producer(index);
    }

    @Override
    public CompletableFuture<ConsumerHandle> consumer(int group, int index) {
        return consumers.consumer(group, index);
    }

    @Override
    public void close() {
        try {
            producers.close();
        } finally {
            consumers.close();
        }
    }
}
