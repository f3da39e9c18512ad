package dev.spool.client;

/** How a {@link Producer} sends its batches to the server. */
public enum PushTransport {
    /**
     * One {@code /v1/stream} WebSocket per producer: each batch is a {@code push} frame, batches are
     * pipelined in order without waiting for each other, and the confirmations come back by
     * {@code req}. A lost socket is reopened and the unconfirmed batches are sent again
     * (at least once).
     */
    STREAM,
    /**
     * {@code POST /v1/queues/{q}/messages} over the client's pooled HTTP/1.1 connections, at most
     * {@link ProducerOptions#maxInFlight()} requests outstanding.
     */
    HTTP
}
