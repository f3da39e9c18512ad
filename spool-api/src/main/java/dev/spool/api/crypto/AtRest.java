package dev.spool.api.crypto;

import java.nio.file.Path;
import java.util.Optional;

import dev.spool.api.ErrorCode;
import dev.spool.api.QueueConfig;
import dev.spool.api.SpoolException;

/**
 * A server's encryption-at-rest settings, the same for every backend: the keyring (none: nothing
 * is encrypted and a queue asking for it is refused) and whether every queue and every lock state
 * document is encrypted ({@code encrypt-all}) or only queues created with {@code "encrypted": true}.
 *
 * @param keyring the keys; empty when encryption at rest is not configured
 * @param encryptAll encrypt every queue's payloads and results and every lock state document
 * @param resealBatch rows a PostgreSQL server re-seals under the active key per second, after a
 *        rotation (0: none; the journal re-encrypts in compaction instead)
 * @param keysFile the file the keyring came from, which a server re-reads when it changes
 * @param reloadMs how often a server checks {@code keysFile} for a change (0: on {@code SIGHUP} only)
 */
public record AtRest(Optional<Keyring> keyring, boolean encryptAll, int resealBatch, Optional<Path> keysFile,
        long reloadMs) {
    /** Default of {@link #resealBatch}. */
    public static final int DEFAULT_RESEAL_BATCH = 500;
    /** Default of {@link #reloadMs}. */
    public static final long DEFAULT_RELOAD_MS = 5000;
    /** No keyring: nothing is encrypted. */
    public static final AtRest NONE = new AtRest(Optional.empty(), false);

    /** Checks the values. */
    public AtRest {
        if (keyring == null || keysFile == null) {
            throw new IllegalArgumentException("keyring and keysFile must not be null");
        }
        if (resealBatch < 0 || reloadMs < 0) {
            throw new IllegalArgumentException("resealBatch and reloadMs must not be negative");
        }
        if (encryptAll && keyring.isEmpty()) {
            throw new IllegalArgumentException("encrypt-all needs an encryption keyring (encryption-keys-file or "
                    + "SPOOL_ENCRYPTION_KEYS)");
        }
    }

    /** Settings with the default re-seal batch and no keys file to watch. */
    public AtRest(Optional<Keyring> keyring, boolean encryptAll) {
        this(keyring, encryptAll, DEFAULT_RESEAL_BATCH, Optional.empty(), DEFAULT_RELOAD_MS);
    }

    /** A copy re-sealing {@code v} rows per second on PostgreSQL. */
    public AtRest withResealBatch(int v) {
        return new AtRest(keyring, encryptAll, v, keysFile, reloadMs);
    }

    /** Settings with {@code ring}, encrypting only queues that ask for it. */
    public static AtRest of(Keyring ring) {
        return new AtRest(Optional.of(ring), false);
    }

    /** Whether payloads and results of a queue configured as {@code c} are written encrypted. */
    public boolean sealsQueue(QueueConfig c) {
        return keyring.isPresent() && (encryptAll || c.encrypted());
    }

    /** Whether lock state documents are written encrypted (only under {@code encrypt-all}). */
    public boolean sealsLocks() {
        return encryptAll;
    }

    /**
     * Refuses a queue configuration asking for encryption on a server without a keyring.
     *
     * @throws SpoolException {@link ErrorCode#INVALID_ARGUMENT} on field {@code encrypted}
     */
    public QueueConfig check(QueueConfig c) {
        if (c.encrypted() && keyring.isEmpty()) {
            throw SpoolException.withField(ErrorCode.INVALID_ARGUMENT, "encrypted", "this server has no encryption "
                    + "keyring (encryption-keys-file or SPOOL_ENCRYPTION_KEYS), so it cannot store an encrypted queue");
        }
        return c;
    }
}
