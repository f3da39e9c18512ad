package dev.spool.postgres;

import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Runs {@link Reseal} every {@link Reseal#PERIOD_MS} on one pool connection: at most
 * {@code resealBatch} rows a pass, so the work after a rotation is spread out instead of competing
 * with requests. Idle (no scan at all) once a pass under the current active key found nothing left;
 * a reloaded keyring with another active key starts it again.
 */
final class Resealer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Resealer.class);

    private final Db db;
    private final Waiters waiters;
    private final Keyring ring;
    private final int batch;
    private volatile String doneFor;
    private volatile boolean closed;

    Resealer(Db db, Waiters waiters, AtRest atRest) {
        this.db = db;
        this.waiters = waiters;
        this.ring = atRest.keyring().orElse(null);
        this.batch = atRest.resealBatch();
        if (ring != null && batch > 0) {
            waiters.schedule(this::run, Reseal.PERIOD_MS);
        }
    }

    private void run() {
        if (closed) {
            return;
        }
        Keyring now = ring.snapshot();
        String active = now.activeId();
        if (active.equals(doneFor)) {
            waiters.schedule(this::run, Reseal.PERIOD_MS);
            return;
        }
        db.call(c -> Reseal.batch(c, db.atRest, now, batch)).whenComplete((n, e) -> {
            if (e != null) {
                LOG.atDebug().setCause(e).log("re-encryption pass failed; trying again");
            } else {
                Reseal.log(n, active);
                if (n < 0) {
                    doneFor = active;
                }
            }
            if (!closed) {
                waiters.schedule(this::run, Reseal.PERIOD_MS);
            }
        });
    }

    /**
     * Which of {@code ids} rows still use, and the active key if it is among them: a write racing
     * the check could still seal under it, so it is dropped only after another key took over.
     */
    CompletionStage<Set<String>> inUse(Set<String> ids) {
        return db.call(c -> {
            Set<String> used = Reseal.inUse(c, ids);
            if (ring != null && ids.contains(ring.activeId())) {
                used.add(ring.activeId());
            }
            return used;
        });
    }

    @Override
    public void close() {
        closed = true;
    }
}
