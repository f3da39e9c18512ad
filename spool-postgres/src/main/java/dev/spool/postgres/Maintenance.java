package dev.spool.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clean-up every server runs every 2 s, of which only the server that wins
 * {@code pg_try_advisory_xact_lock} does the work: finished messages past retention and result TTL,
 * their bodies, expired dedup ids (and once a minute bodies orphaned by a race) through
 * {@code spool_gc}; and lock waiters that are dead (their wait over, or their server not seen for
 * 10 s) on locks nobody touched since (the next attempt on a lock drops its own dead waiters).
 * It also owns the {@link Resealer}, which every server runs (rows re-sealed are compared and set).
 */
final class Maintenance implements AutoCloseable {
    static final long PERIOD_MS = 2000;

    private final Db db;
    private final Waiters waiters;
    private final Resealer resealer;
    private final AtomicLong runs = new AtomicLong();
    private volatile boolean closed;

    Maintenance(Db db, Waiters waiters, Resealer resealer) {
        this.db = db;
        this.waiters = waiters;
        this.resealer = resealer;
        waiters.schedule(this::run, PERIOD_MS);
    }

    private void run() {
        if (closed) {
            return;
        }
        boolean orphans = runs.incrementAndGet() % 30 == 0;
        db.tx(c -> {
            try (PreparedStatement lock = c.prepareStatement(Sql.get("try_maintenance_lock"));
                    ResultSet rs = lock.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0L;
                }
            }
            try (PreparedStatement dead = c.prepareStatement(Sql.get("gc_lock_waiters"))) {
                dead.executeUpdate();
            }
            try (PreparedStatement gc = c.prepareStatement(Sql.get("gc"))) {
                gc.setInt(1, 10_000);
                gc.setBoolean(2, orphans);
                try (ResultSet rs = gc.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }).whenComplete((n, e) -> {
            if (!closed) {
                waiters.schedule(this::run, PERIOD_MS);
            }
        });
    }

    /** The re-encryption after a key rotation, which runs on its own timer. */
    Resealer resealer() {
        return resealer;
    }

    @Override
    public void close() {
        closed = true;
        resealer.close();
    }
}
