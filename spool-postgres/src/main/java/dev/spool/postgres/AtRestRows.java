package dev.spool.postgres;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Envelope;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest in PostgreSQL, done in Java so that the SQL functions move sealed bytes
 * without knowing: payloads ({@code spool_messages.payload} and {@code spool_chunks}), task results
 * ({@code spool_deliveries.result}) and lock state documents ({@code spool_locks.st_data} and
 * {@code spool_lock_chunks}) hold the shared {@link Envelope}. Payloads and results are sealed for
 * queues created with {@code "encrypted": true} (V27) or for every queue under {@code encrypt-all};
 * lock state documents under {@code encrypt-all}. Every server sharing the database needs the same
 * keyring.
 *
 * <p>How a row says it is sealed, and what its envelope is bound to (the additional data):
 *
 * <pre>
 * message      header ":spool-sealed" = "&lt;key id&gt;/&lt;32 hex random record id&gt;" (stripped on read);
 *              bound to "spool/pg/message/" + record id. A dead letter or a redriven copy made by SQL
 *              keeps header and bytes, so it still opens; a payload moved into another row does not
 * result       result_type = ":sealed:&lt;key id&gt;:" + content type; bound to "spool/pg/result/" + queue
 * lock state   st_type = ":sealed:&lt;key id&gt;:" + content type; bound to "spool/pg/lock-state/" + lock name
 * </pre>
 *
 * {@code spool_messages.size} holds the plaintext length (the SQL checks it against
 * {@code max_message_bytes}; the stored length follows from it and the key id), {@code st_size}
 * the sealed length (the plaintext length follows from it). A small payload is verified whole when its row is read; a
 * chunked one is verified chunk by chunk as it streams (reading ahead would need the pool thread
 * the read runs on), so a tampered chunk ends the stream with an error instead of returning bytes.
 */
final class AtRestRows {
    static final AtRestRows NONE = new AtRestRows(AtRest.NONE, false);
    static final String MARK = ":spool-sealed";
    static final String TYPE_MARK = ":sealed:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AtRest atRest;
    private final boolean defaultsEncrypted;
    /** Queues known to be encrypted (V27 {@code spool_queues.encrypted}); at most the queue limit. */
    private final Set<String> encrypted = ConcurrentHashMap.newKeySet();

    AtRestRows(AtRest atRest, boolean defaultsEncrypted) {
        this.atRest = atRest;
        this.defaultsEncrypted = defaultsEncrypted;
    }

    /** Whether new lock state documents are sealed ({@code encrypt-all}). */
    boolean sealsLocks() {
        return atRest.encryptAll();
    }

    /**
     * Whether payloads and results of {@code queue} are written sealed: under {@code encrypt-all},
     * when auto-created queues are encrypted, or when the queue is known to be encrypted. A queue
     * made encrypted by another server is learnt when the database refuses a clear write
     * ({@link PgErrors#ENCRYPTED}, then {@link #learn}).
     */
    boolean sealsQueue(String queue) {
        return atRest.keyring().isPresent() && (atRest.encryptAll() || defaultsEncrypted || encrypted.contains(queue));
    }

    /** Notes that {@code queue} is encrypted; false when this server has no keyring to seal with. */
    boolean learn(String queue) {
        if (atRest.keyring().isEmpty()) {
            return false;
        }
        encrypted.add(queue);
        return true;
    }

    /** Notes a queue's configuration as this server wrote or read it. */
    void known(String queue, boolean isEncrypted) {
        if (isEncrypted) {
            encrypted.add(queue);
        } else {
            encrypted.remove(queue);
        }
    }

    /** Loads the names of the encrypted queues (at start, so that the first writes need no retry). */
    void loadEncrypted(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM spool_queues WHERE encrypted")) {
            while (rs.next()) {
                encrypted.add(rs.getString(1));
            }
        }
    }

    /** The message with its payload sealed and the marker header added (as is when off). */
    NewMessage seal(NewMessage m) {
        Keyring ring = ring();
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String record = HexFormat.of().formatHex(id);
        MessageBody b = m.body();
        Payload sealed = Envelope.seal(ring, b.payload(), context("spool/pg/message/", record));
        Map<String, String> headers = new LinkedHashMap<>(b.headers());
        headers.put(MARK, ring.activeId() + "/" + record);
        return new NewMessage(new MessageBody(sealed, b.contentType(), headers, b.key(), b.priority(),
                b.traceparent()), m.delayMs(), m.notBeforeMs(), m.ttlMs(), m.dedupId());
    }

    /** A body read from a row: opened (and its marker removed) when sealed. */
    MessageBody open(MessageBody b, long msgId) {
        String mark = b.headers().get(MARK);
        if (mark == null) {
            return b;
        }
        int slash = mark.indexOf('/');
        String what = "the payload of message " + dev.spool.api.MessageIds.format(msgId);
        if (slash < 1) {
            throw new SpoolException(ErrorCode.CORRUPT, what + " failed its integrity check: its seal marker is damaged");
        }
        byte[] ctx = context("spool/pg/message/", mark.substring(slash + 1));
        Payload p = b.payload();
        Payload plain;
        if (p instanceof Payload.Inline) {
            plain = Envelope.open(ring(), p, ctx, what);
        } else if (p instanceof ChunkedPayload c) {
            Payload stored = new ChunkedPayload(c.db(), c.statement(), c.msgId(), Envelope.sealedSize(slash, c.size()));
            plain = Envelope.opened(ring(), stored, ctx, c.size());
        } else {
            // an empty payload is never chunked: a NULL payload of size 0 cannot hold a seal
            throw new SpoolException(ErrorCode.CORRUPT, what + " failed its integrity check: its sealed bytes are gone");
        }
        Map<String, String> headers = new LinkedHashMap<>(b.headers());
        headers.remove(MARK);
        return new MessageBody(plain, b.contentType(), headers, b.key(), b.priority(), b.traceparent());
    }

    /** The bytes and type column of a task result to store. */
    TaskResult sealResult(String queue, TaskResult r) {
        if (!sealsQueue(queue)) {
            return r;
        }
        Keyring ring = ring();
        byte[] sealed = Envelope.seal(ring, r.payload().toBytes(), context("spool/pg/result/", queue));
        return new TaskResult(Payload.of(sealed), TYPE_MARK + ring.activeId() + ":" + r.contentType());
    }

    /** A task result read from a row: opened when its type column says it is sealed. */
    TaskResult openResult(String queue, byte[] bytes, String type) {
        if (type == null || !type.startsWith(TYPE_MARK)) {
            return new TaskResult(Payload.of(bytes), type);
        }
        String ct = type.substring(type.indexOf(':', TYPE_MARK.length()) + 1);
        return new TaskResult(Payload.of(Envelope.open(ring(), bytes, context("spool/pg/result/", queue),
                "the task result")), ct);
    }

    /** A lock state write as stored: its payload sealed and its type column naming the key. */
    LockStateWrite sealState(String lock, LockStateWrite w) {
        Keyring ring = ring();
        return new LockStateWrite(w.fence(), Envelope.seal(ring, w.payload(), context("spool/pg/lock-state/", lock)),
                TYPE_MARK + ring.activeId() + ":" + w.contentType(), w.ifVersion());
    }

    /** The content type of a stored type column. */
    static String contentType(String type) {
        return type != null && type.startsWith(TYPE_MARK) ? type.substring(type.indexOf(':', TYPE_MARK.length()) + 1)
                : type;
    }

    /** The plaintext size of a stored state of {@code size} bytes under type column {@code type}. */
    static long plainSize(String type, long size) {
        if (type == null || !type.startsWith(TYPE_MARK)) {
            return size;
        }
        int idLength = type.indexOf(':', TYPE_MARK.length()) - TYPE_MARK.length();
        return Math.max(0, Envelope.plainSize(idLength, size));
    }

    /** A stored lock state payload, opened when its type column says it is sealed. */
    Payload openState(String lock, String type, Payload stored) {
        if (type == null || !type.startsWith(TYPE_MARK)) {
            return stored;
        }
        byte[] ctx = context("spool/pg/lock-state/", lock);
        String what = "the state of lock " + lock;
        if (stored instanceof Payload.Inline) {
            return Envelope.open(ring(), stored, ctx, what);
        }
        long size = plainSize(type, stored.size());
        return Envelope.opened(ring(), stored, ctx, size);
    }

    /**
     * Re-seals an inline message payload under {@code ring}'s active key, bound to the same record
     * id; {@code headers} (the row's flat name/value array) gets the new marker in place.
     */
    byte[] resealMessage(Keyring ring, String[] headers, byte[] sealed) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            if (MARK.equals(headers[i])) {
                String mark = headers[i + 1];
                int slash = mark.indexOf('/');
                String what = "a payload sealed under key " + (slash < 1 ? "?" : mark.substring(0, slash));
                if (slash < 1) {
                    throw new SpoolException(ErrorCode.CORRUPT, what + " failed its integrity check: its seal "
                            + "marker is damaged");
                }
                String record = mark.substring(slash + 1);
                byte[] ctx = context("spool/pg/message/", record);
                byte[] plain = Envelope.open(ring(), sealed, ctx, what);
                headers[i + 1] = ring.activeId() + "/" + record;
                return Envelope.seal(ring, plain, ctx);
            }
        }
        throw new SpoolException(ErrorCode.CORRUPT, "a sealed payload lost its seal marker");
    }

    /** A task result sealed under {@code ring}'s active key (re-sealing). */
    TaskResult sealResultWith(Keyring ring, String queue, TaskResult plain) {
        byte[] sealed = Envelope.seal(ring, plain.payload().toBytes(), context("spool/pg/result/", queue));
        return new TaskResult(Payload.of(sealed), TYPE_MARK + ring.activeId() + ":" + plain.contentType());
    }

    /** A lock state document's bytes sealed under {@code ring}'s active key (re-sealing). */
    byte[] sealStateWith(Keyring ring, String lock, byte[] plain) {
        return Envelope.seal(ring, plain, context("spool/pg/lock-state/", lock));
    }

    /** The keyring as it is now: one seal uses one active key even if the ring is reloaded meanwhile. */
    Keyring ring() {
        return atRest.keyring().map(Keyring::snapshot).orElseThrow(() -> new SpoolException(ErrorCode.CORRUPT,
                "the database holds "
                + "encrypted rows but this server has no encryption keyring (encryption-keys-file or "
                + "SPOOL_ENCRYPTION_KEYS)"));
    }

    private static byte[] context(String kind, String id) {
        return (kind + id).getBytes(StandardCharsets.UTF_8);
    }
}
