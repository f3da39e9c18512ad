package dev.spool.server.sqs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.spool.api.QueueConfig;
import dev.spool.api.RetryBackoff;

/**
 * SQS queue attributes over a Spool queue: which attribute lives where, their ranges, and how they
 * are read back.
 *
 * <p>{@code VisibilityTimeout}, {@code MessageRetentionPeriod} and {@code MaximumMessageSize} are
 * the queue's {@code visibility_timeout_ms}, {@code message_ttl_ms} and {@code max_message_bytes};
 * {@code RedrivePolicy} is {@code dead_letter_queue} plus {@code max_attempts} (no policy: 0,
 * unlimited); {@code FifoQueue} is the {@code .fifo} suffix of the name. The rest live in the
 * {@link QueueMeta} record.
 */
final class QueueAttributes {
    static final Set<String> SETTABLE = Set.of("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy",
            "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled");
    static final List<String> READABLE = List.of("ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp",
            "DelaySeconds", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod", "QueueArn",
            "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy",
            "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
            "FifoThroughputLimit");
    private static final Set<String> FIFO_ONLY = Set.of("FifoQueue", "ContentBasedDeduplication",
            "DeduplicationScope", "FifoThroughputLimit");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The base configuration of a queue created through SQS: SQS's defaults. */
    static QueueConfig sqsDefaults(QueueConfig serverDefaults) {
        return serverDefaults.withVisibilityTimeoutMs(30_000).withMaxAttempts(0)
                .withMessageTtlMs(4L * 24 * 3600 * 1000).withMaxMessageBytes(1L << 20)
                .withDedupWindowMs(5 * 60 * 1000).withRetentionMs(0)
                .withRetryBackoff(new RetryBackoff(0, 0, 1.0, false));
    }

    /**
     * The outcome of applying attributes.
     *
     * @param config the new Spool configuration
     * @param meta the new SQS-only record
     * @param deadLetterQueue the dead-letter queue a new {@code RedrivePolicy} names (must exist)
     */
    record Applied(QueueConfig config, QueueMeta meta, Optional<String> deadLetterQueue) {
    }

    private QueueAttributes() {
    }

    /** Applies {@code attrs} to a queue's configuration and record; checks every value first. */
    static Applied apply(String queue, Map<String, String> attrs, QueueConfig config, QueueMeta meta, Arns arns,
            boolean creating, long nowMs) {
        boolean fifo = QueueView.isFifo(queue);
        QueueConfig c = config;
        QueueMeta m = meta;
        Optional<String> dlq = Optional.empty();
        for (Map.Entry<String, String> e : attrs.entrySet()) {
            String name = e.getKey();
            String v = e.getValue() == null ? "" : e.getValue();
            if (!SETTABLE.contains(name) && !name.equals("FifoQueue")) {
                throw SqsError.invalidAttributeName(name);
            }
            if (FIFO_ONLY.contains(name) && !fifo && !(name.equals("FifoQueue") && v.equals("false"))) {
                throw SqsError.invalidAttributeName(name);
            }
            switch (name) {
                case "DelaySeconds" -> m = withDelay(m, seconds(name, v, 0, 900));
                case "ReceiveMessageWaitTimeSeconds" -> m = new QueueMeta(m.createdAt(), m.delaySeconds(),
                        seconds(name, v, 0, 20), m.contentBasedDedup(), m.redriveAllowPolicy(), m.lastModified(),
                        m.tags());
                case "VisibilityTimeout" -> c = c.withVisibilityTimeoutMs(Math.max(1, seconds(name, v, 0, 43_200)
                        * 1000L));
                case "MessageRetentionPeriod" -> c = c.withMessageTtlMs(seconds(name, v, 60, 1_209_600) * 1000L);
                case "MaximumMessageSize" -> c = c.withMaxMessageBytes(seconds(name, v, 1024, 1_048_576));
                case "ContentBasedDeduplication" -> m = new QueueMeta(m.createdAt(), m.delaySeconds(),
                        m.receiveWaitSeconds(), bool(name, v), m.redriveAllowPolicy(), m.lastModified(), m.tags());
                case "RedriveAllowPolicy" -> m = new QueueMeta(m.createdAt(), m.delaySeconds(),
                        m.receiveWaitSeconds(), m.contentBasedDedup(), checkAllowPolicy(v, arns), m.lastModified(),
                        m.tags());
                case "RedrivePolicy" -> {
                    if (v.isEmpty()) {
                        c = c.withMaxAttempts(0).withDeadLetterQueue(Optional.empty());
                    } else {
                        RedrivePolicy p = RedrivePolicy.parse(v, arns);
                        if (QueueView.isFifo(p.deadLetterQueue()) != fifo || p.deadLetterQueue().equals(queue)) {
                            throw SqsError.invalidParameter("Value " + v + " for parameter RedrivePolicy is invalid. "
                                    + "Reason: Dead-letter target must be another queue of the same type.");
                        }
                        c = c.withMaxAttempts(p.maxReceiveCount())
                                .withDeadLetterQueue(Optional.of(p.deadLetterQueue()));
                        dlq = Optional.of(p.deadLetterQueue());
                    }
                }
                case "FifoQueue" -> {
                    if (!creating || bool(name, v) != fifo) {
                        throw SqsError.invalidAttributeValue("Invalid value for the parameter FifoQueue. A FIFO queue "
                                + "name ends with .fifo, and FifoQueue is set only when the queue is created.");
                    }
                }
                case "DeduplicationScope" -> only(name, v, "queue");
                case "FifoThroughputLimit" -> only(name, v, "perQueue");
                case "SqsManagedSseEnabled" -> only(name, v, "false");
                default -> throw SqsError.invalidAttributeName(name);
            }
        }
        if (!attrs.isEmpty()) {
            m = new QueueMeta(m.createdAt(), m.delaySeconds(), m.receiveWaitSeconds(), m.contentBasedDedup(),
                    m.redriveAllowPolicy(), nowMs / 1000, m.tags());
        }
        return new Applied(c, m, dlq);
    }

    private static QueueMeta withDelay(QueueMeta m, int delay) {
        return new QueueMeta(m.createdAt(), delay, m.receiveWaitSeconds(), m.contentBasedDedup(),
                m.redriveAllowPolicy(), m.lastModified(), m.tags());
    }

    /** The attributes a GetQueueAttributes names ({@code All} or a list), as strings. */
    static Map<String, String> read(QueueView q, List<String> names, Arns arns) {
        List<String> wanted = new ArrayList<>();
        for (String n : names) {
            if (n.equals("All")) {
                wanted.addAll(READABLE);
            } else if (READABLE.contains(n)) {
                wanted.add(n);
            } else {
                throw SqsError.invalidAttributeName(n);
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : wanted) {
            value(q, n, arns).ifPresent(v -> out.put(n, v));
        }
        return out;
    }

    private static Optional<String> value(QueueView q, String name, Arns arns) {
        QueueConfig c = q.config();
        QueueMeta m = q.meta();
        if (FIFO_ONLY.contains(name) && !q.fifo()) {
            return Optional.empty();
        }
        String v = switch (name) {
            case "ApproximateNumberOfMessages" -> Long.toString(q.info().stats().ready());
            case "ApproximateNumberOfMessagesNotVisible" -> Long.toString(q.info().stats().inFlight());
            case "ApproximateNumberOfMessagesDelayed" -> Long.toString(q.info().stats().delayed());
            case "CreatedTimestamp" -> Long.toString(q.info().createdAt() / 1000);
            case "LastModifiedTimestamp" -> Long.toString(Math.max(m.lastModified(), q.info().createdAt() / 1000));
            case "DelaySeconds" -> Integer.toString(m.delaySeconds());
            case "ReceiveMessageWaitTimeSeconds" -> Integer.toString(m.receiveWaitSeconds());
            case "MaximumMessageSize" -> Long.toString(c.maxMessageBytes());
            case "MessageRetentionPeriod" -> Long.toString(c.messageTtlMs() / 1000);
            case "VisibilityTimeout" -> Long.toString(c.visibilityTimeoutMs() / 1000);
            case "QueueArn" -> arns.arn(q.name());
            case "RedrivePolicy" -> c.maxAttempts() == 0 ? null
                    : new RedrivePolicy(c.deadLetterQueueFor(q.name()), c.maxAttempts()).toJson(arns);
            case "RedriveAllowPolicy" -> m.redriveAllowPolicy().isEmpty() ? null : m.redriveAllowPolicy();
            case "SqsManagedSseEnabled" -> "false";
            case "FifoQueue" -> "true";
            case "ContentBasedDeduplication" -> Boolean.toString(m.contentBasedDedup());
            case "DeduplicationScope" -> "queue";
            case "FifoThroughputLimit" -> "perQueue";
            default -> throw SqsError.invalidAttributeName(name);
        };
        return Optional.ofNullable(v);
    }

    /** Whether {@code allowPolicy} (a queue's RedriveAllowPolicy) lets {@code source} use it as a DLQ. */
    static boolean allows(String allowPolicy, String source, Arns arns) {
        if (allowPolicy.isEmpty()) {
            return true;
        }
        try {
            JsonNode p = JSON.readTree(allowPolicy);
            return switch (p.path("redrivePermission").asText()) {
                case "allowAll" -> true;
                case "denyAll" -> false;
                default -> {
                    for (JsonNode arn : p.path("sourceQueueArns")) {
                        if (arn.asText().equals(arns.arn(source))) {
                            yield true;
                        }
                    }
                    yield false;
                }
            };
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String checkAllowPolicy(String v, Arns arns) {
        if (v.isEmpty()) {
            return v;
        }
        try {
            JsonNode p = JSON.readTree(v);
            String perm = p.path("redrivePermission").asText();
            JsonNode sources = p.path("sourceQueueArns");
            boolean ok = switch (perm) {
                case "allowAll", "denyAll" -> sources.isMissingNode() || sources.isEmpty();
                case "byQueue" -> sources.isArray() && !sources.isEmpty() && sources.size() <= 10;
                default -> false;
            };
            for (JsonNode arn : sources) {
                arns.queueName(arn.asText(), "RedriveAllowPolicy");
            }
            if (ok) {
                return v;
            }
        } catch (java.io.IOException e) {
            // falls through to the error below
        }
        throw SqsError.invalidParameter("Value " + v + " for parameter RedriveAllowPolicy is invalid. Reason: "
                + "redrivePermission must be allowAll, denyAll or byQueue (with 1 to 10 sourceQueueArns).");
    }

    private static int seconds(String name, String v, int min, int max) {
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min && n <= max) {
                return (int) n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw SqsError.invalidAttributeValue("Invalid value for the parameter " + name + ".");
    }

    private static boolean bool(String name, String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw SqsError.invalidAttributeValue("Invalid value for the parameter " + name + ".");
        };
    }

    private static void only(String name, String v, String allowed) {
        if (!v.equals(allowed)) {
            throw SqsError.invalidAttributeValue("Invalid value for the parameter " + name + ": Spool supports only "
                    + allowed + ".");
        }
    }
}
