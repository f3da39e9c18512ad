package dev.spool.embedded;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.crypto.Keyring;

/**
 * A keyring reloaded while the journal runs ({@link EmbeddedBroker#replaceKeyring}), on the engine
 * thread. Which keys records may still use: the active one (the current segment is written under
 * it), and every older one while segments written before the active key came in are still live
 * ({@link Space#olderKeysLive}); once compaction has moved them all, only the active key is used.
 * When the active key changes, {@link KeyMarker} records that every existing segment predates it,
 * so compaction re-encrypts them as after a rotation at start.
 */
final class KeyReload {
    private static final Logger LOG = LoggerFactory.getLogger(KeyReload.class);

    private KeyReload() {
    }

    /** Which of {@code ids} the journal's records may still be sealed under; none without a journal. */
    static Set<String> inUse(Journal journal, Keyring current, Set<String> ids) {
        Set<String> out = new LinkedHashSet<>();
        if (journal == null) {
            return out;
        }
        boolean older = journal.space().olderKeysLive();
        for (String id : ids) {
            if (id.equals(current.activeId()) || older) {
                out.add(id);
            }
        }
        return out;
    }

    /** Swaps the keys in and, when the active key changed, marks the existing segments for re-encryption. */
    static void replace(Journal journal, Keyring ring, Keyring next) throws IOException {
        String before = ring.activeId();
        if (journal != null && !before.equals(next.activeId())) {
            journal.space().rekeyBefore(KeyMarker.rekeyBefore(journal.journalDir(), next.activeId(),
                    journal.wal().segment()));
        }
        ring.replaceWith(next);
        LOG.info("encryption keyring reloaded: keys {}, active {}", next.ids(), next.activeId());
    }

    /** {@link #inUse(Journal, Keyring, Set)} on the broker's engine thread. */
    static java.util.concurrent.CompletionStage<Set<String>> inUse(EmbeddedBroker b, Keyring ring, Set<String> ids) {
        java.util.concurrent.CompletableFuture<Set<String>> out = new java.util.concurrent.CompletableFuture<>();
        b.onEngine(() -> out.complete(inUse(b.journal(), ring, ids))).exceptionally(e -> {
            out.completeExceptionally(e);
            return null;
        });
        return out;
    }

    /** {@link #replace(Journal, Keyring, Keyring)} on the broker's engine thread. */
    static java.util.concurrent.CompletionStage<Void> replace(EmbeddedBroker b, Keyring ring, Keyring next) {
        java.util.concurrent.CompletableFuture<Void> out = new java.util.concurrent.CompletableFuture<>();
        b.onEngine(() -> {
            try {
                replace(b.journal(), ring, next);
                out.complete(null);
            } catch (IOException e) {
                out.completeExceptionally(dev.spool.api.SpoolException.unavailable(
                        "cannot record the new active encryption key: " + e.getMessage(), e));
            }
        }).exceptionally(e -> {
            out.completeExceptionally(e);
            return null;
        });
        return out;
    }
}
