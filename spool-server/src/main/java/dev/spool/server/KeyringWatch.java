package dev.spool.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Vertx;

import dev.spool.api.Broker;
import dev.spool.api.SpoolException;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Reloads the encryption keyring from {@code encryption-keys-file} while the server runs: when the
 * file's modification time or size changes (checked every {@code encryption-keys-reload-ms}) and on
 * {@code SIGHUP}, like the TLS files. The new ring goes through {@link Broker#replaceKeyring}: a
 * ring that drops a key records still use is refused, and so is a file that does not parse or is
 * readable by others; either way the old ring stays and one WARN line says why (key ids and file
 * names only, never key material).
 */
final class KeyringWatch {
    private static final Logger LOG = LoggerFactory.getLogger(KeyringWatch.class);

    private final Broker broker;
    private final Path file;
    private FileTime seenTime;
    private long seenSize;

    private KeyringWatch(Broker broker, Path file) {
        this.broker = broker;
        this.file = file;
        remember();
    }

    /** A watch of the keys file, checked on a timer unless {@code reloadMs} is 0; empty without a keys file. */
    static Optional<KeyringWatch> start(Vertx vertx, Broker broker, AtRest config) {
        if (config.keysFile().isEmpty() || broker.settings().atRest().keyring().isEmpty()) {
            return Optional.empty();
        }
        KeyringWatch w = new KeyringWatch(broker, config.keysFile().get());
        if (config.reloadMs() > 0) {
            vertx.setPeriodic(config.reloadMs(), id -> w.checkChanged());
        }
        return Optional.of(w);
    }

    private synchronized boolean remember() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            boolean changed = !t.equals(seenTime) || size != seenSize;
            seenTime = t;
            seenSize = size;
            return changed;
        } catch (IOException e) {
            return false;
        }
    }

    private void checkChanged() {
        if (remember()) {
            reload();
        }
    }

    /**
     * Reads the file now and hands the ring to the broker.
     *
     * @return completes when new writes use the new ring; fails (the old ring stays) otherwise
     */
    CompletionStage<Void> reload() {
        remember();
        Keyring next;
        try {
            next = Keyring.load(file);
        } catch (IllegalArgumentException e) {
            LOG.warn("encryption keys file reload failed, keeping the old keyring: {}", e.getMessage());
            return CompletableFuture.failedFuture(SpoolException.invalid("encryption-keys-file", e.getMessage()));
        }
        return broker.replaceKeyring(next).whenComplete((v, e) -> {
            if (e == null) {
                LOG.info("encryption keys file {} reloaded: keys {}, active {}", file, next.ids(), next.activeId());
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                LOG.warn("encryption keys file {} refused, keeping the old keyring: {}", file, cause.getMessage());
            }
        });
    }
}
