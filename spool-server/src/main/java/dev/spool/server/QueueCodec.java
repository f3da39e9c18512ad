package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.spool.api.GroupInfo;
import dev.spool.api.Names;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.RetryBackoff;

/**
 * JSON of queues and groups: the partial configuration of {@code PUT /v1/queues/{q}} merged onto a
 * base, and the queue, group and stats documents.
 */
final class QueueCodec {
    private QueueCodec() {
    }

    /**
     * Reads a queue configuration object, every field optional, onto {@code base}. A
     * {@code dead_letter_queue} of {@code null} restores the default {@code <queue>.dlq}; an
     * {@code attributes} object replaces every attribute (absent or null keeps them).
     */
    static QueueConfig readConfig(JsonIn in, QueueConfig base) throws IOException {
        QueueConfig c = base;
        String f;
        while ((f = in.nextField()) != null) {
            if (in.isNull() && !"dead_letter_queue".equals(f)) {
                in.skip();
                continue;
            }
            c = switch (f) {
                case "visibility_timeout_ms" -> c.withVisibilityTimeoutMs(in.readLong(f));
                case "max_attempts" -> c.withMaxAttempts(in.readInt(f, 0, Integer.MAX_VALUE));
                case "dead_letter_queue" -> c.withDeadLetterQueue(in.isNull() ? Optional.empty()
                        : Optional.of(Names.checkQueue(in.readString(f), f)));
                case "retry_backoff" -> c.withRetryBackoff(readBackoff(in, c.retryBackoff()));
                case "retention_ms" -> c.withRetentionMs(in.readLong(f));
                case "message_ttl_ms" -> c.withMessageTtlMs(in.readLong(f));
                case "max_message_bytes" -> c.withMaxMessageBytes(in.readLong(f));
                case "dedup_window_ms" -> c.withDedupWindowMs(in.readLong(f));
                case "result_ttl_ms" -> c.withResultTtlMs(in.readLong(f));
                case "encrypted" -> c.withEncrypted(in.readBool(f));
                case "attributes" -> c.withAttributes(in.readStringMap(f, QueueConfig.MAX_ATTRIBUTES));
                default -> throw JsonIn.unknown("", f);
            };
        }
        return c.validate();
    }

    private static RetryBackoff readBackoff(JsonIn in, RetryBackoff base) throws IOException {
        in.expectObject("retry_backoff");
        long initial = base.initialMs();
        long max = base.maxMs();
        double multiplier = base.multiplier();
        boolean jitter = base.jitter();
        String f;
        while ((f = in.nextField()) != null) {
            String field = "retry_backoff." + f;
            if (in.isNull()) {
                continue;
            }
            switch (f) {
                case "initial_ms" -> initial = in.readLong(field);
                case "max_ms" -> max = in.readLong(field);
                case "multiplier" -> multiplier = in.readDouble(field);
                case "jitter" -> jitter = in.readBool(field);
                default -> throw JsonIn.unknown("retry_backoff", f);
            }
        }
        return new RetryBackoff(initial, max, multiplier, jitter);
    }

    static void writeQueue(JsonGenerator g, QueueInfo q) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", q.name());
        g.writeNumberField("created_at", q.createdAt());
        g.writeFieldName("config");
        writeConfig(g, q.name(), q.config());
        g.writeFieldName("stats");
        writeStats(g, q.stats());
        if (q.push().isPresent()) {
            g.writeFieldName("push");
            g.writeRawValue(PushGroupRoutes.publicConfig(q.push().get()).encode());
        }
        g.writeArrayFieldStart("groups");
        for (GroupInfo gi : q.groups()) {
            writeGroup(g, gi);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    static void writeQueues(JsonGenerator g, List<QueueInfo> queues) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("queues");
        for (QueueInfo q : queues) {
            writeQueue(g, q);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    static void writeConfig(JsonGenerator g, String queue, QueueConfig c) throws IOException {
        g.writeStartObject();
        g.writeNumberField("visibility_timeout_ms", c.visibilityTimeoutMs());
        g.writeNumberField("max_attempts", c.maxAttempts());
        g.writeStringField("dead_letter_queue", c.deadLetterQueueFor(queue));
        g.writeObjectFieldStart("retry_backoff");
        RetryBackoff b = c.retryBackoff();
        g.writeNumberField("initial_ms", b.initialMs());
        g.writeNumberField("max_ms", b.maxMs());
        g.writeNumberField("multiplier", b.multiplier());
        g.writeBooleanField("jitter", b.jitter());
        g.writeEndObject();
        g.writeNumberField("retention_ms", c.retentionMs());
        g.writeNumberField("message_ttl_ms", c.messageTtlMs());
        g.writeNumberField("max_message_bytes", c.maxMessageBytes());
        g.writeNumberField("dedup_window_ms", c.dedupWindowMs());
        g.writeNumberField("result_ttl_ms", c.resultTtlMs());
        g.writeBooleanField("encrypted", c.encrypted());
        g.writeObjectFieldStart("attributes");
        for (var e : c.attributes().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    static void writeStats(JsonGenerator g, QueueStats s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("ready", s.ready());
        g.writeNumberField("delayed", s.delayed());
        g.writeNumberField("in_flight", s.inFlight());
        g.writeNumberField("dead", s.dead());
        g.writeNumberField("oldest_ready_age_ms", s.oldestReadyAgeMs());
        g.writeEndObject();
    }

    static void writeGroup(JsonGenerator g, GroupInfo gi) throws IOException {
        writeGroup(g, gi, null);
    }

    /** A group, with a {@code warning} field when {@code warning} is not null. */
    static void writeGroup(JsonGenerator g, GroupInfo gi, String warning) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", gi.name());
        g.writeStringField("start", gi.start().wire());
        g.writeNumberField("created_at", gi.createdAt());
        g.writeFieldName("stats");
        writeStats(g, gi.stats());
        if (gi.push().isPresent()) {
            g.writeFieldName("push");
            g.writeRawValue(PushGroupRoutes.publicConfig(gi.push().get()).encode());
        }
        if (warning != null) {
            g.writeStringField("warning", warning);
        }
        g.writeEndObject();
    }

    static void writeGroups(JsonGenerator g, List<GroupInfo> groups) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("groups");
        for (GroupInfo gi : groups) {
            writeGroup(g, gi);
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
