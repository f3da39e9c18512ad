package dev.spool.client;

import dev.spool.api.Delivery;

/**
 * Processes one delivery for a {@link Consumer}. Returning normally acks the message; throwing
 * nacks it (with the exception's message as the reason), so the queue's retry backoff applies.
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Handles a delivery.
     *
     * @param delivery the message and its lease
     * @throws Exception to nack the message
     */
    void handle(Delivery delivery) throws Exception;
}
