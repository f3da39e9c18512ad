package dev.spool.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.SpoolException;

/**
 * Isolation of the external relationship with PostgreSQL: a fixed set of worker threads, each owning
 * one JDBC connection, taking work from one bounded queue. The pool is bounded by construction
 * (threads = connections = {@code pool_size}) and callers never block: they get a future.
 *
 * <p>When a connection breaks, the database is marked down: for a short window every call fails at
 * once with UNAVAILABLE, after which one call at a time probes by connecting again (the others
 * keep failing at once, also those queued before the failure, so nobody waits for a connect
 * timeout but the probe); the first answer from the database clears the mark. Every worker
 * validates its connection before use after a failure anywhere, so a database restart costs one
 * failed request per broken connection at most, and nothing is retried blindly.
 */
final class Db implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Db.class);
    private static final long DOWN_WINDOW_MS = 200;
    private static final int RETRIES = 5;

    /** Work done with a connection on a worker thread. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException, IOException;
    }

    /** One call; {@code probe} marks the one call that may try to reach a database marked down. */
    private record Task<T>(Work<T> work, boolean tx, CompletableFuture<T> future, boolean probe) {
    }

    private final PostgresConfig config;
    private final String settingsGuc;
    private final BlockingQueue<Task<?>> queue;
    private final Thread[] workers;
    private final AtomicLong failureGeneration = new AtomicLong();
    /** A call is trying to reach the database after it was marked down (at most one at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closed;
    private volatile long downUntil;
    private volatile String downReason = "";
    /** Encryption at rest of the rows this pool reads and writes; set once at open. */
    volatile AtRestRows atRest = AtRestRows.NONE;

    Db(PostgresConfig config, String settingsGuc) {
        this.config = config;
        this.settingsGuc = settingsGuc;
        this.queue = new ArrayBlockingQueue<>(config.maxQueued());
        this.workers = new Thread[config.poolSize()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("spool-pg-" + i).unstarted(this::workLoop);
            workers[i].start();
        }
    }

    /** Runs work in autocommit mode (each statement its own transaction). */
    <T> CompletableFuture<T> call(Work<T> work) {
        return submit(work, false);
    }

    /** Runs work in one transaction; any failure rolls it back. */
    <T> CompletableFuture<T> tx(Work<T> work) {
        return submit(work, true);
    }

    /** Whether the database was last seen down, with the reason. */
    boolean isDown() {
        return downUntil != 0;
    }

    String downReason() {
        return downReason;
    }

    private <T> CompletableFuture<T> submit(Work<T> work, boolean tx) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new SpoolException(dev.spool.api.ErrorCode.UNAVAILABLE, "the broker is closed"));
            return f;
        }
        long down = downUntil;
        boolean probe = false;
        if (down != 0) {
            // down: fail at once, except one call at a time after the window, which tries to connect
            if (System.currentTimeMillis() < down || !probing.compareAndSet(false, true)) {
                f.completeExceptionally(SpoolException.unavailable("the PostgreSQL database is unreachable: "
                        + downReason, null));
                return f;
            }
            probe = true;
        }
        if (!queue.offer(new Task<>(work, tx, f, probe))) {
            if (probe) {
                probing.set(false);
            }
            f.completeExceptionally(SpoolException.tooMany("too many requests wait for a database connection", 100));
        }
        return f;
    }

    /**
     * Opens a connection with the broker's session settings (statement {@code settings}: the broker's
     * defaults for the SQL functions, {@code jit = off}, {@code read committed}). Every connection the
     * broker uses comes from here — pooled, {@code LISTEN}, migrations — also after a reconnect.
     */
    Connection open() throws SQLException {
        Properties p = new Properties();
        p.putAll(config.driverProperties());
        p.setProperty("user", config.user());
        config.password().ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("connectTimeout", Long.toString(Math.max(1, config.connectTimeoutMs() / 1000)));
        p.setProperty("loginTimeout", Long.toString(Math.max(1, config.connectTimeoutMs() / 1000)));
        p.putIfAbsent("tcpKeepAlive", "true");
        p.putIfAbsent("ApplicationName", "spool");
        p.putIfAbsent("prepareThreshold", "1");
        Connection c = DriverManager.getConnection(config.jdbcUrl(), p);
        try (PreparedStatement ps = c.prepareStatement(Sql.get("settings"))) {
            ps.setString(1, settingsGuc);
            ps.execute();
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void workLoop() {
        Connection conn = null;
        long generation = failureGeneration.get();
        while (!closed) {
            Task<?> task;
            try {
                task = queue.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (task == null) {
                continue;
            }
            if (conn != null && generation != failureGeneration.get()) {
                generation = failureGeneration.get();
                conn = validated(conn);
            }
            conn = runTask(conn, task);
        }
        closeQuietly(conn);
        Task<?> t;
        while ((t = queue.poll()) != null) {
            t.future().completeExceptionally(new SpoolException(dev.spool.api.ErrorCode.UNAVAILABLE,
                    "the broker is closed"));
        }
    }

    private static Connection validated(Connection c) {
        try {
            if (c.isValid(2)) {
                return c;
            }
        } catch (SQLException e) {
            LOG.debug("connection check failed", e);
        }
        closeQuietly(c);
        return null;
    }

    private <T> Connection runTask(Connection conn, Task<T> task) {
        try {
            return attempt(conn, task);
        } finally {
            if (task.probe()) {
                probing.set(false);
            }
        }
    }

    private <T> Connection attempt(Connection conn, Task<T> task) {
        for (int attempt = 0; ; attempt++) {
            try {
                if (conn == null) {
                    if (downUntil != 0 && !task.probe()) {
                        // queued before the database was marked down: only the probe may wait for a connect
                        task.future().completeExceptionally(SpoolException.unavailable(
                                "the PostgreSQL database is unreachable: " + downReason, null));
                        return null;
                    }
                    conn = open();
                    up();
                }
                T result = task.tx() ? inTx(conn, task.work()) : task.work().run(conn);
                // the database answered (this also clears a mark set by the listener alone)
                up();
                task.future().complete(result);
                return conn;
            } catch (SQLException e) {
                if (PgErrors.isConnectionLoss(e)) {
                    down(e);
                    closeQuietly(conn);
                    task.future().completeExceptionally(PgErrors.unreachable(e));
                    return null;
                }
                if (PgErrors.isRetryable(e) && attempt < RETRIES) {
                    continue;
                }
                String sealFor = PgErrors.encryptedQueue(e);
                if (sealFor != null && attempt < RETRIES && atRest.learn(sealFor)) {
                    // the queue is encrypted (made so by another server): run the work again, sealed
                    continue;
                }
                task.future().completeExceptionally(PgErrors.map(e));
                return conn;
            } catch (SpoolException e) {
                task.future().completeExceptionally(e);
                return conn;
            } catch (IOException | RuntimeException e) {
                task.future().completeExceptionally(SpoolException.internal("unexpected failure: " + e, e));
                return conn;
            }
        }
    }

    private static <T> T inTx(Connection c, Work<T> work) throws SQLException, IOException {
        c.setAutoCommit(false);
        boolean done = false;
        try {
            T r = work.run(c);
            c.commit();
            done = true;
            return r;
        } finally {
            if (!done) {
                rollbackQuietly(c);
            }
            if (!c.isClosed()) {
                c.setAutoCommit(true);
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            LOG.debug("rollback failed", e);
        }
    }

    private void down(Exception e) {
        if (downUntil == 0) {
            LOG.warn("PostgreSQL unreachable: {}", e.getMessage());
        }
        downReason = String.valueOf(e.getMessage());
        downUntil = System.currentTimeMillis() + DOWN_WINDOW_MS;
        failureGeneration.incrementAndGet();
    }

    private void up() {
        if (downUntil != 0) {
            LOG.info("PostgreSQL reachable again");
            downUntil = 0;
        }
    }

    /** Records a failure seen outside the workers (the listener). */
    void reportDown(Exception e) {
        down(e);
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            w.interrupt();
        }
        for (Thread w : workers) {
            try {
                w.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The message of the first {@link dev.spool.api.SpoolException} in {@code e}'s causes, or of its root. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof dev.spool.api.SpoolException)) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** Pings the database: healthy with the schema version, or not with the reason. */
    java.util.concurrent.CompletionStage<dev.spool.api.Health> health(boolean listening) {
        return call(c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement(Sql.get("ping"));
                    java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new dev.spool.api.Health(true, "postgresql reachable, schema v" + Migrations.currentVersion(c)
                        + (listening ? ", listening" : ", LISTEN reconnecting"));
            }
        }).exceptionally(e -> new dev.spool.api.Health(false, "database unreachable: " + rootMessage(e)));
    }
}
