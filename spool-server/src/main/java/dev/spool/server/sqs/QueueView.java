package dev.spool.server.sqs;

import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;

/**
 * A queue as SQS sees it: the Spool queue plus its SQS-only record.
 *
 * @param info the Spool queue
 * @param meta its SQS-only attributes (defaults when it never had any)
 */
record QueueView(QueueInfo info, QueueMeta meta) {

    static final String FIFO_SUFFIX = ".fifo";

    String name() {
        return info.name();
    }

    QueueConfig config() {
        return info.config();
    }

    boolean fifo() {
        return isFifo(info.name());
    }

    static boolean isFifo(String name) {
        return name.endsWith(FIFO_SUFFIX);
    }
}
