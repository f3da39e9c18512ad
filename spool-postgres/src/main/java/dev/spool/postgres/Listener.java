package dev.spool.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code LISTEN spool} connection: one thread blocks in the driver until a notification arrives
 * (no polling) and wakes the matching waiters: {@code r<queue>} work became ready, {@code d<queue>} a
 * message finished, {@code x<queue>} the queue was deleted, {@code l<lock>} a lock was released or a
 * waiter left its line. When the connection breaks it reconnects with a
 * growing pause (up to 1 s), listens again and wakes every waiter, because notifications sent
 * meanwhile are lost.
 */
final class Listener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    private final Db db;
    private final Waiters waiters;
    private final LockLines locks;
    private final Thread thread;
    private final Object pause = new Object();
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile Connection current;
    /** Work to run on the LISTEN connection between two waits for notifications. */
    private final Queue<Runnable> onConnection = new ConcurrentLinkedQueue<>();

    Listener(Db db, Waiters waiters, LockLines locks) {
        this.db = db;
        this.waiters = waiters;
        this.locks = locks;
        this.thread = Thread.ofPlatform().daemon().name("spool-pg-listen").unstarted(this::loop);
        thread.start();
    }

    boolean isConnected() {
        return connected;
    }

    private void loop() {
        long backoff = 50;
        while (!closed) {
            try (Connection c = db.open()) {
                current = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN spool");
                }
                connected = true;
                backoff = 50;
                waiters.wakeAll();
                locks.wakeAll();
                listen(c.unwrap(PGConnection.class));
            } catch (SQLException e) {
                if (closed) {
                    break;
                }
                if (connected) {
                    LOG.warn("LISTEN connection lost: {}", e.getMessage());
                    db.reportDown(e);
                }
                connected = false;
                synchronized (pause) {
                    try {
                        pause.wait(backoff);
                    } catch (InterruptedException ie) {
                        break;
                    }
                }
                backoff = Math.min(1000, backoff * 2);
            } finally {
                connected = false;
                current = null;
            }
        }
    }

    /**
     * Runs work on the {@code LISTEN} connection, in the listener's thread, after its current wait
     * for notifications (at most a second); while disconnected, on the next connection. For checks of
     * the connection's session (tests); the work must be short.
     */
    <T> CompletableFuture<T> onConnection(Db.Work<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        onConnection.add(() -> {
            try {
                f.complete(work.run(current));
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private void listen(PGConnection pg) throws SQLException {
        while (!closed) {
            Runnable r;
            while ((r = onConnection.poll()) != null) {
                r.run();
            }
            PGNotification[] ns = pg.getNotifications(1000);
            if (ns == null) {
                continue;
            }
            for (PGNotification n : ns) {
                String p = n.getParameter();
                if (p.isEmpty()) {
                    continue;
                }
                String queue = p.substring(1);
                switch (p.charAt(0)) {
                    case 'r' -> waiters.wakePops(queue);
                    case 'x' -> waiters.queueDeleted(queue);
                    case 'l' -> locks.wake(queue);
                    default -> waiters.wakeTasks(queue);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (pause) {
            pause.notifyAll();
        }
        Db.closeQuietly(current);
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
