package dev.spool.api;

import java.util.List;

/**
 * One operation of a transaction. A transaction applies all of its operations or none; a failing
 * operation (a stale receipt, an unknown queue, a bad value) aborts it with a
 * {@link SpoolException} whose {@link SpoolException#opIndex()} names the operation.
 */
public sealed interface TxOp {
    /** The queue the operation acts on. */
    String queue();

    /**
     * Push messages.
     *
     * @param queue target queue
     * @param messages what to push
     */
    record Push(String queue, List<NewMessage> messages) implements TxOp {
        /** Copies the list. */
        public Push {
            messages = List.copyOf(messages);
        }
    }

    /**
     * Acknowledge deliveries; every receipt must be current.
     *
     * @param queue the queue
     * @param request what to acknowledge
     */
    record Ack(String queue, AckRequest request) implements TxOp {
    }

    /**
     * Nack deliveries; every receipt must be current.
     *
     * @param queue the queue
     * @param request what to nack
     */
    record Nack(String queue, NackRequest request) implements TxOp {
    }

    /**
     * Extend leases; every receipt must be current.
     *
     * @param queue the queue
     * @param request what to extend
     */
    record Extend(String queue, ExtendRequest request) implements TxOp {
    }
}
