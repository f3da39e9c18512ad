package dev.spool.embedded;

import java.nio.charset.StandardCharsets;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Envelope;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest for the journal: decides which entries and task results are sealed (the
 * queue's {@code encrypted} flag or {@code encrypt-all}; every dead letter when there is a
 * keyring; lock state documents under {@code encrypt-all}), and seals and opens them with the shared {@link Envelope} bound to their
 * identity:
 *
 * <pre>
 * message payload      "spool/message/" qid "/" message id
 * lock state document  "spool/lock-state/" lock name "/" version (segment format 4 on: the entry
 *                      carries the lock name as its key); "spool/lock-state/" version for an entry
 *                      without it (written before format 4), which stays readable
 * task result          "spool/result/" qid "/" first message id of its ack (journal) or of the
 *                      entry that defines it (snapshot)
 * </pre>
 *
 * Sealed bytes are written with the keyring's active key whenever an entry is written, so a
 * compaction that moves an entry re-encrypts it with the active key. The journal tools read a
 * data directory without the keyring ({@link #INSPECT}): they keep sealed results as they are and
 * never serve them.
 */
final class AtRestCodec {
    /** Nothing sealed; a sealed record met on replay refuses the open. */
    static final AtRestCodec NONE = new AtRestCodec(AtRest.NONE, false);
    /** For offline tools: sealed results stay sealed, nothing is decrypted. */
    static final AtRestCodec INSPECT = new AtRestCodec(AtRest.NONE, true);

    private final AtRest atRest;
    private final boolean inspect;

    private AtRestCodec(AtRest atRest, boolean inspect) {
        this.atRest = atRest;
        this.inspect = inspect;
    }

    static AtRestCodec of(AtRest atRest) {
        return atRest.keyring().isEmpty() ? NONE : new AtRestCodec(atRest, false);
    }

    /**
     * Whether {@code m}'s payload is written sealed. With a keyring every dead letter is sealed
     * too, whatever its dead-letter queue's flag: it may come from an encrypted queue.
     */
    boolean seals(Msg m) {
        if (m.queue == null) {
            return atRest.sealsLocks();
        }
        return atRest.sealsQueue(m.queue.config) || (atRest.keyring().isPresent() && m.source() != null);
    }

    /** Whether task results of {@code q} are written sealed. */
    boolean sealsResults(QueueState q) {
        return atRest.sealsQueue(q.config);
    }

    /** The sealed form of {@code m}'s payload, with the active key. */
    Payload seal(Msg m, Payload plain) {
        return Envelope.seal(ring(), plain, context(m));
    }

    /** The plaintext view of a sealed streamed payload just written (its bytes are not read now). */
    Payload openedView(Msg m, Payload sealedRegion, long plainSize) {
        return Envelope.opened(ring(), sealedRegion, context(m), plainSize);
    }

    /**
     * Opens a sealed body read from a segment: an inline payload is decrypted and verified, a
     * streamed one is read through once to verify every chunk before its plaintext view is returned.
     */
    MessageBody open(Msg m, boolean named, MessageBody sealed, String where) {
        Payload p = sealed.payload();
        byte[] ctx = context(m, named);
        if (p instanceof Payload.Streamed) {
            Envelope.verify(ring(), p, ctx, where);
        }
        Payload plain = Envelope.open(ring(), p, ctx, where);
        return new MessageBody(plain, sealed.contentType(), sealed.headers(), sealed.key(), sealed.priority(),
                sealed.traceparent());
    }

    byte[] sealResult(int qid, long id, byte[] plain) {
        return Envelope.seal(ring(), plain, resultContext(qid, id));
    }

    /** Opens a sealed task result (tools keep it sealed). */
    byte[] openResult(int qid, long id, byte[] sealed) {
        if (inspect) {
            return sealed;
        }
        return Envelope.open(ring(), sealed, resultContext(qid, id), "the task result of message "
                + dev.spool.api.MessageIds.format(id));
    }

    private Keyring ring() {
        return atRest.keyring().orElseThrow(() -> new SpoolException(ErrorCode.CORRUPT, "the journal holds encrypted "
                + "records but this server has no encryption keyring (encryption-keys-file or SPOOL_ENCRYPTION_KEYS)"));
    }

    /** The identity a new entry of {@code m} is sealed under. */
    private static byte[] context(Msg m) {
        return context(m, m.key != null);
    }

    /**
     * The identity {@code m} is bound to. A lock state document is bound to its lock's name (held
     * in memory as the document's key, from the record that names the lock, never from the entry)
     * when its entry says it was sealed so ({@code named}: the entry carries a key).
     */
    private static byte[] context(Msg m, boolean named) {
        String s = m.queue != null ? "spool/message/" + m.queue.qid + "/" + m.id
                : named && m.key != null ? "spool/lock-state/" + m.key + "/" + m.id
                : "spool/lock-state/" + m.id;
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] resultContext(int qid, long id) {
        return ("spool/result/" + qid + "/" + id).getBytes(StandardCharsets.US_ASCII);
    }
}
