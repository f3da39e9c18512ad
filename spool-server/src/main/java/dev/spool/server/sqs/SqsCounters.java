package dev.spool.server.sqs;

/**
 * Where the SQS endpoint reports the messages it moves, so that SQS traffic shows in the server's
 * per-queue metrics like traffic of the native API.
 */
public interface SqsCounters {
    /** Counts nothing. */
    SqsCounters NONE = new SqsCounters() {
        @Override
        public void pushed(String queue, int n) {
        }

        @Override
        public void popped(String queue, int n) {
        }

        @Override
        public void acked(String queue, int n) {
        }

        @Override
        public void nacked(String queue, int n) {
        }

        @Override
        public void deleted(String queue) {
        }
    };

    /** {@code n} messages were pushed (sent) to {@code queue}. */
    void pushed(String queue, int n);

    /** {@code n} messages were popped (received). */
    void popped(String queue, int n);

    /** {@code n} messages were acked (deleted). */
    void acked(String queue, int n);

    /** {@code n} messages were nacked (visibility set to 0). */
    void nacked(String queue, int n);

    /** The queue was deleted: its counters go. */
    void deleted(String queue);
}
