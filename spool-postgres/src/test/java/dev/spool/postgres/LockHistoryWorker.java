package dev.spool.postgres;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.spool.api.BrokerSettings;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * A client of the lock history check ({@link PostgresLockHistoryTest}): threads that acquire random
 * locks with short leases, write to a fenced resource (table {@code fenced}: a write is accepted
 * only with a token not lower than the last one accepted), write the lock's state, then keep the
 * lease alive, release it, or abandon it (a crashed client: the lease expires). Every step is
 * reported as an event line, after its acknowledgement, and before a release as an intention (so a
 * process killed between the release and its report does not look like an expiry). Run in the test
 * JVM and, as {@link #main}, in a child JVM that the test kills with SIGKILL.
 *
 * <p>Events: {@code G name token expiresAt ttl owner} granted; {@code F name token accepted(0|1)}
 * fenced write; {@code S name token version value} state write acknowledged; {@code K name token
 * expiresAt} kept alive; {@code u name token} about to release; {@code U name token} released.
 */
final class LockHistoryWorker implements Runnable {
    private final PostgresBroker broker;
    private final String url;
    private final String tag;
    private final List<String> names;
    private final long endNanos;
    private final Random random;
    private final Consumer<String> events;

    LockHistoryWorker(PostgresBroker broker, String url, String tag, List<String> names, long endNanos, long seed,
            Consumer<String> events) {
        this.broker = broker;
        this.url = url;
        this.tag = tag;
        this.names = names;
        this.endNanos = endNanos;
        this.random = new Random(seed);
        this.events = events;
    }

    /** {@code url tag seconds threads seed name...}: runs the threads until the time is up (or a SIGKILL). */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String tag = args[1];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
        int threads = Integer.parseInt(args[3]);
        long seed = Long.parseLong(args[4]);
        List<String> names = List.of(args).subList(5, args.length);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        Consumer<String> sink = line -> {
            synchronized (out) {
                out.println("EV " + line);
            }
        };
        try (PostgresBroker b = PostgresBroker.open(PostgresConfig.parse(url), BrokerSettings.DEFAULTS)) {
            List<Thread> all = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                all.add(Thread.ofPlatform().start(new LockHistoryWorker(b, url, tag + "-" + i, names, end,
                        seed * 31 + i, sink)));
            }
            for (Thread t : all) {
                t.join();
            }
        }
    }

    /** The JDBC connection of the fenced resource (outside Spool, as a real resource would be). */
    static Connection resource(String url) throws SQLException {
        PostgresConfig c = PostgresConfig.parse(url);
        return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password().orElse(""));
    }

    @Override
    public void run() {
        try (Connection res = resource(url);
                PreparedStatement write = res.prepareStatement(
                        "WITH u AS (UPDATE fenced SET token = ? WHERE name = ? AND token <= ? RETURNING name, token) "
                                + "INSERT INTO fenced_log (name, token) SELECT name, token FROM u")) {
            int seq = 0;
            while (System.nanoTime() < endNanos) {
                String name = names.get(random.nextInt(names.size()));
                long ttl = 300 + random.nextInt(900);
                LockLease l;
                try {
                    l = broker.acquireLock(name, new LockRequest(tag, ttl, random.nextInt(800))).toCompletableFuture()
                            .get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    continue;
                }
                events.accept("G " + name + " " + l.token() + " " + l.expiresAt() + " " + ttl + " " + tag);
                write.setLong(1, l.token());
                write.setString(2, name);
                write.setLong(3, l.token());
                events.accept("F " + name + " " + l.token() + " " + write.executeUpdate());
                String value = tag + ":" + l.token() + ":" + (seq++);
                try {
                    LockStateInfo s = broker.putLockState(name, new LockStateWrite(l.fence(), Payload.ofUtf8(value),
                            "text/plain", OptionalLong.empty())).toCompletableFuture().join();
                    events.accept("S " + name + " " + l.token() + " " + s.version() + " " + value);
                } catch (CompletionException e) {
                    continue;
                }
                int next = random.nextInt(10);
                if (next < 3) {
                    try {
                        LockLease k = broker.keepaliveLock(name, l.fence(), ttl).toCompletableFuture().join();
                        events.accept("K " + name + " " + l.token() + " " + k.expiresAt());
                    } catch (CompletionException e) {
                        continue;
                    }
                }
                if (next < 8) {
                    events.accept("u " + name + " " + l.token());
                    try {
                        broker.releaseLock(name, l.fence()).toCompletableFuture().join();
                        events.accept("U " + name + " " + l.token());
                    } catch (CompletionException e) {
                        // expired meanwhile: a stale lease is refused, as it must be
                        if (!(e.getCause() instanceof SpoolException)) {
                            throw e;
                        }
                    }
                }
                // else: abandoned, like a client that crashed; the lease expires
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
