package dev.spool.server.sqs;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;

/**
 * What SQS keeps about a queue that Spool's {@link QueueConfig} has no field for. It is stored in
 * the queue's own attributes ({@link QueueConfig#attributes()}, keys {@value #PREFIX}...), so every
 * server of a cluster sees it, it is written in the same step as the queue's configuration, and it
 * is deleted with the queue.
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

    /** The prefix of the attribute keys this record occupies. */
    static final String PREFIX = "sqs.";
    private static final String DELAY = PREFIX + "delay_seconds";
    private static final String WAIT = PREFIX + "receive_wait_seconds";
    private static final String DEDUP = PREFIX + "content_based_dedup";
    private static final String ALLOW = PREFIX + "redrive_allow_policy";
    private static final String MODIFIED = PREFIX + "last_modified";
    private static final String TAGS = PREFIX + "tags";
    private static final ObjectMapper JSON = new ObjectMapper();

    QueueMeta {
        tags = Map.copyOf(tags);
    }

    /** The record a queue carries in its attributes; SQS's defaults when it carries none. */
    static QueueMeta of(QueueInfo info) {
        Map<String, String> a = info.config().attributes();
        if (!a.containsKey(MODIFIED)) {
            return defaults(info.createdAt());
        }
        Map<String, String> tags = Map.of();
        String t = a.get(TAGS);
        if (t != null) {
            try {
                tags = JSON.readValue(t, new TypeReference<Map<String, String>>() { });
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the SQS tags of queue " + info.name() + " are not a JSON object", e);
            }
        }
        return new QueueMeta(info.createdAt(), Integer.parseInt(a.getOrDefault(DELAY, "0")),
                Integer.parseInt(a.getOrDefault(WAIT, "0")), Boolean.parseBoolean(a.get(DEDUP)),
                a.getOrDefault(ALLOW, ""), Long.parseLong(a.get(MODIFIED)), tags);
    }

    /** {@code config} carrying this record in place of any earlier one; other attributes stay. */
    QueueConfig applyTo(QueueConfig config) {
        Map<String, String> a = new TreeMap<>();
        config.attributes().forEach((k, v) -> {
            if (!k.startsWith(PREFIX)) {
                a.put(k, v);
            }
        });
        a.put(DELAY, Integer.toString(delaySeconds));
        a.put(WAIT, Integer.toString(receiveWaitSeconds));
        a.put(DEDUP, Boolean.toString(contentBasedDedup));
        if (!redriveAllowPolicy.isEmpty()) {
            a.put(ALLOW, redriveAllowPolicy);
        }
        a.put(MODIFIED, Long.toString(lastModified));
        if (!tags.isEmpty()) {
            try {
                a.put(TAGS, JSON.writeValueAsString(sortedTags()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return config.withAttributes(a);
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
