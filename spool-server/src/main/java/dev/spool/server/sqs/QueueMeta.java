package dev.spool.server.sqs;

import java.util.Map;
import java.util.TreeMap;

/**
 * What SQS keeps about a queue that Spool's {@link dev.spool.api.QueueConfig} has no field for.
 *
 * @param createdAt the Spool queue's {@code created_at} this record belongs to: a queue deleted and
 *        created again (through any API) has another one, and the stale record is ignored
 * @param delaySeconds {@code DelaySeconds}, the default delay of a send
 * @param receiveWaitSeconds {@code ReceiveMessageWaitTimeSeconds}, the default long poll
 * @param contentBasedDedup {@code ContentBasedDeduplication} (FIFO queues)
 * @param redriveAllowPolicy {@code RedriveAllowPolicy} as given, empty when unset
 * @param lastModified epoch seconds of the last change of attributes
 * @param tags the queue's tags
 */
record QueueMeta(long createdAt, int delaySeconds, int receiveWaitSeconds, boolean contentBasedDedup,
        String redriveAllowPolicy, long lastModified, Map<String, String> tags) {

    QueueMeta {
        tags = Map.copyOf(tags);
    }

    /** The defaults of a queue created at {@code createdAt} (epoch ms). */
    static QueueMeta defaults(long createdAt) {
        return new QueueMeta(createdAt, 0, 0, false, "", createdAt / 1000, Map.of());
    }

    QueueMeta withTags(Map<String, String> v) {
        return new QueueMeta(createdAt, delaySeconds, receiveWaitSeconds, contentBasedDedup, redriveAllowPolicy,
                lastModified, v);
    }

    QueueMeta withCreatedAt(long v) {
        return new QueueMeta(v, delaySeconds, receiveWaitSeconds, contentBasedDedup, redriveAllowPolicy,
                lastModified, tags);
    }

    Map<String, String> sortedTags() {
        return new TreeMap<>(tags);
    }
}
