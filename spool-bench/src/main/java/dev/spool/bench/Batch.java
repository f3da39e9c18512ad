package dev.spool.bench;

/**
 * A run of consecutive sequence numbers of one producer, pushed in one request.
 *
 * @param producer the producer's index
 * @param firstSeq the first sequence number
 * @param size how many messages
 */
record Batch(int producer, long firstSeq, int size) {
}
