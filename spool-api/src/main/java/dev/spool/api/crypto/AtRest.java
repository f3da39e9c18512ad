package dev.spool.api.crypto;

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
 */
public record AtRest(Optional<Keyring> keyring, boolean encryptAll) {
    /** No keyring: nothing is encrypted. */
    public static final AtRest NONE = new AtRest(Optional.empty(), false);

    /** Checks the pair. */
    public AtRest {
        if (keyring == null) {
            throw new IllegalArgumentException("keyring must not be null");
        }
        if (encryptAll && keyring.isEmpty()) {
            throw new IllegalArgumentException("encrypt-all needs an encryption keyring (encryption-keys-file or "
                    + "SPOOL_ENCRYPTION_KEYS)");
        }
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
