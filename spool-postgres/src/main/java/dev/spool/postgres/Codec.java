package dev.spool.postgres;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.BrokerSettings;
import dev.spool.api.MessageBody;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;
import dev.spool.api.RetryBackoff;

/**
 * Conversions between the SPI model and database values: headers as a flat {@code text[]} of names
 * and values, configuration rows, payload columns, the per-connection settings string.
 */
final class Codec {
    /** Payloads up to this size are stored inline (bytea); larger ones in 256 KiB chunks. */
    static final int INLINE_MAX = 256 * 1024;
    /** Size of one stored chunk. */
    static final int CHUNK = 256 * 1024;

    private Codec() {
    }

    /** The value of the {@code spool.settings} session setting read by the SQL functions. */
    static String settingsGuc(BrokerSettings s) {
        QueueConfig d = s.queueDefaults();
        RetryBackoff b = d.retryBackoff();
        return String.join("|", Integer.toString(s.limits().maxQueues()),
                Integer.toString(s.limits().maxGroupsPerQueue()), Long.toString(d.visibilityTimeoutMs()),
                Integer.toString(d.maxAttempts()), d.deadLetterQueue().orElse(""), Long.toString(b.initialMs()),
                Long.toString(b.maxMs()), Double.toString(b.multiplier()), Boolean.toString(b.jitter()),
                Long.toString(d.retentionMs()), Long.toString(d.messageTtlMs()), Long.toString(d.maxMessageBytes()),
                Long.toString(d.dedupWindowMs()), Long.toString(d.resultTtlMs()),
                Boolean.toString(d.encrypted()));
    }

    /** A queue configuration from a row of {@code get_queue} starting at column 2. */
    static QueueConfig config(ResultSet rs) throws SQLException {
        RetryBackoff b = new RetryBackoff(rs.getLong("bo_initial_ms"), rs.getLong("bo_max_ms"), rs.getDouble("bo_mult"),
                rs.getBoolean("bo_jitter"));
        return new QueueConfig(rs.getLong("vis_ms"), rs.getInt("max_attempts"), Optional.ofNullable(rs.getString("dlq")),
                b, rs.getLong("retention_ms"), rs.getLong("ttl_ms"), rs.getLong("max_bytes"), rs.getLong("dedup_ms"),
                rs.getLong("result_ttl_ms"), rs.getBoolean("encrypted"), headers(rs.getArray("attributes")));
    }

    /** Appends the headers to a flat name/value list. */
    static void flatten(Map<String, String> headers, java.util.List<String> out) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            out.add(e.getKey());
            out.add(e.getValue());
        }
    }

    /** Headers from a flat name/value array (a later duplicate name wins). */
    static Map<String, String> headers(Array array) throws SQLException {
        if (array == null) {
            return Map.of();
        }
        String[] flat = (String[]) array.getArray();
        if (flat.length == 0) {
            return Map.of();
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.length; i += 2) {
            m.put(flat[i], flat[i + 1]);
        }
        return m;
    }

    /** The payload of a row: inline bytes, or a stream over its chunks. */
    static Payload payload(Db db, long msgId, byte[] inline, long size) {
        if (inline != null) {
            return Payload.of(inline);
        }
        return size == 0 ? Payload.EMPTY : new ChunkedPayload(db, msgId, size);
    }

    /**
     * A message body from a row with columns key, content_type, headers, traceparent, size, payload and
     * priority.
     */
    static MessageBody body(Db db, long msgId, ResultSet rs) throws SQLException {
        Payload p = payload(db, msgId, rs.getBytes("payload"), rs.getLong("size"));
        return db.atRest.open(new MessageBody(p, rs.getString("content_type"), headers(rs.getArray("headers")),
                Optional.ofNullable(rs.getString("key")), rs.getInt("priority"),
                Optional.ofNullable(rs.getString("traceparent"))), msgId);
    }

    static long[] longs(Array a) throws SQLException {
        Long[] boxed = (Long[]) a.getArray();
        long[] out = new long[boxed.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }
}
