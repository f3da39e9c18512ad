package dev.spool.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.spool.api.AccessToken;
import dev.spool.api.QueueConfig;
import dev.spool.api.RetryBackoff;
import dev.spool.api.StartPosition;

/**
 * Encodings shared by journal records and snapshots: a queue configuration is
 * {@code int64 visibility, int32 max attempts, str dead-letter queue, int64 backoff initial,
 * int64 backoff max, float64 multiplier, int8 jitter, int64 retention, int64 ttl, int64 max bytes,
 * int64 dedup window, int64 result ttl, int8 encrypted} (its attributes are written apart: the
 * QUEUE_ATTRS record of {@link RecordType}, the last section of {@link SnapshotCodec}); a start position is
 * {@code int8 kind (0 earliest, 1 latest, 2 at), int64 epoch ms}.
 */
final class Codec {
    private Codec() {
    }

    /**
     * An access token: {@code str id, str name, str secret hash, int64 created, int32 count,
     * count x str permission}.
     */
    static void putToken(Batch b, AccessToken t) {
        b.putString(t.id());
        b.putString(t.name());
        b.putString(t.secretHash());
        b.putLong(t.createdAt());
        b.putInt(t.permissions().size());
        for (String p : t.permissions()) {
            b.putString(p);
        }
    }

    static AccessToken getToken(RecordIn in) {
        String id = in.getString();
        String name = in.getString();
        String hash = in.getString();
        long created = in.getLong();
        int n = in.getInt();
        if (n < 0 || n > AccessToken.MAX_PERMISSIONS) {
            throw new IllegalStateException("token record claims " + n + " permissions");
        }
        List<String> perms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            perms.add(in.getString());
        }
        return new AccessToken(id, name, hash, perms, created);
    }

    static void putConfig(Batch b, QueueConfig c) {
        b.putLong(c.visibilityTimeoutMs());
        b.putInt(c.maxAttempts());
        b.putString(c.deadLetterQueue().orElse(null));
        RetryBackoff r = c.retryBackoff();
        b.putLong(r.initialMs());
        b.putLong(r.maxMs());
        b.putDouble(r.multiplier());
        b.putByte(r.jitter() ? 1 : 0);
        b.putLong(c.retentionMs());
        b.putLong(c.messageTtlMs());
        b.putLong(c.maxMessageBytes());
        b.putLong(c.dedupWindowMs());
        b.putLong(c.resultTtlMs());
        b.putByte(c.encrypted() ? 1 : 0);
    }

    static QueueConfig getConfig(RecordIn in) {
        long vis = in.getLong();
        int max = in.getInt();
        String dlq = in.getString();
        RetryBackoff r = new RetryBackoff(in.getLong(), in.getLong(), in.getDouble(), in.get() != 0);
        return new QueueConfig(vis, max, Optional.ofNullable(dlq), r, in.getLong(), in.getLong(), in.getLong(),
                in.getLong(), in.getLong(), in.get() != 0);
    }

    /** {@code int32 count, count x (str key, str value)}. */
    static void putAttributes(Batch b, Map<String, String> attributes) {
        b.putInt(attributes.size());
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            b.putString(e.getKey());
            b.putString(e.getValue());
        }
    }

    static Map<String, String> getAttributes(RecordIn in) {
        int n = in.getInt();
        if (n < 0 || n > QueueConfig.MAX_ATTRIBUTES) {
            throw new IllegalStateException("a queue with " + n + " attributes");
        }
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.getString(), in.getString());
        }
        return out;
    }

    static void putStart(Batch b, StartPosition s) {
        switch (s) {
            case StartPosition.Earliest e -> {
                b.putByte(0);
                b.putLong(0);
            }
            case StartPosition.Latest l -> {
                b.putByte(1);
                b.putLong(0);
            }
            case StartPosition.At at -> {
                b.putByte(2);
                b.putLong(at.epochMs());
            }
        }
    }

    static StartPosition getStart(RecordIn in) {
        int kind = in.get();
        long ms = in.getLong();
        return switch (kind) {
            case 0 -> StartPosition.EARLIEST;
            case 1 -> StartPosition.LATEST;
            default -> new StartPosition.At(ms);
        };
    }
}
