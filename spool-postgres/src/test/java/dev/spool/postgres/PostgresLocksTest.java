package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerSettings;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/** Locks on PostgreSQL beyond the contract: lines across two servers, hand-off by NOTIFY, 64 MiB state. */
@Timeout(180)
class PostgresLocksTest {
    private static final long LONG = 600_000;

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static CompletableFuture<LockLease> waiting(PostgresBroker b, String lock, String owner) {
        return b.acquireLock(lock, new LockRequest(owner, LONG, 30_000)).toCompletableFuture();
    }

    private static void awaitWaiters(PostgresBroker b, String lock, int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> get(b.getLock(lock)).waiters() == n);
    }

    @Test
    void shouldServeWaitersOfTwoServersInArrivalOrder() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("locks_fifo");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            LockLease holder = get(a.acquireLock("l", new LockRequest("holder", LONG, 0)));
            List<CompletableFuture<LockLease>> line = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                line.add(waiting(i % 2 == 0 ? b : a, "l", "w" + i));
                awaitWaiters(a, "l", i + 1);
            }

            LockLease current = holder;
            for (int i = 0; i < 6; i++) {
                // released alternately through the other server than the one holding
                get((i % 2 == 0 ? b : a).releaseLock("l", current.fence()));
                LockLease next = get(line.get(i));
                assertThat(next.owner()).isEqualTo("w" + i);
                assertThat(next.token()).isGreaterThan(current.token());
                for (int j = i + 1; j < 6; j++) {
                    assertThat(line.get(j)).isNotDone();
                }
                current = next;
            }
            assertThat(get(a.getLock("l")).waiters()).isZero();
        }
    }

    @Test
    void shouldHandOffToAWaiterOnAnotherServerWithinTheNotificationNotTheSafetyRecheck() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("locks_handoff");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            long worst = 0;
            for (int i = 0; i < 10; i++) {
                LockLease held = get(a.acquireLock("h", new LockRequest("a", LONG, 0)));
                CompletableFuture<LockLease> w = waiting(b, "h", "b");
                awaitWaiters(a, "h", 1);
                long start = System.nanoTime();
                get(a.releaseLock("h", held.fence()));
                LockLease got = get(w);
                worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                get(b.releaseLock("h", got.fence()));
            }
            // the safety re-check runs every 1 500 ms; a hand-off by NOTIFY takes a few round trips
            assertThat(worst).isLessThan(Waiting.SAFETY_MS);
        }
    }

    @Test
    void shouldSkipAWaiterWhoseServerStoppedHeartbeating() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("locks_dead");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            LockLease held = get(a.acquireLock("d", new LockRequest("holder", LONG, 0)));
            // first in line: a waiter of a server that died 11 s ago, with a wait far from over
            sql(config, "INSERT INTO spool_lock_waiters (name, server, owner, ttl_ms, lease_id, deadline, seen_at) "
                    + "VALUES ('d', 'dead', 'ghost', 600000, 'ghost-lease', spool_now() + 600000, "
                    + "spool_now() - 11000)");
            CompletableFuture<LockLease> alive = waiting(a, "d", "alive");
            await().atMost(Duration.ofSeconds(30)).until(() -> a.lockWaiters() == 1);

            get(a.releaseLock("d", held.fence()));

            assertThat(get(alive).owner()).isEqualTo("alive");
            assertThat(get(a.getLock("d")).waiters()).isZero();
        }
    }

    @Test
    void shouldAnswerAsTheEmbeddedEngineWhenDeletingAbsentStateOrWithAWrongVersion() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("locks_delete");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            LockLease l = get(a.acquireLock("s", new LockRequest("o", LONG, 0)));

            assertThatThrownBy(() -> get(a.deleteLockState("s", l.fence(), OptionalLong.of(3))))
                    .cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
            get(a.putLockState("s", new LockStateWrite(l.fence(), Payload.ofUtf8("x"), "text/plain",
                    OptionalLong.empty())));
            assertThatThrownBy(() -> get(a.deleteLockState("s", l.fence(), OptionalLong.of(3))))
                    .cause().isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.VERSION_MISMATCH);
                        assertThat(e.field()).contains("if_version");
                    });
            get(a.deleteLockState("s", l.fence(), OptionalLong.of(1)));
            assertThat(get(a.getLock("s")).state()).isEmpty();
        }
    }

    private static void sql(PostgresConfig c, String statement) throws Exception {
        try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password().orElse(""));
                Statement s = conn.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void shouldStoreA64MiBStateInChunksAndDropThemWhenReplaced() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("locks_large");
        long size = 64L << 20;
        Path file = Files.createTempFile("spool-lock-state", ".bin");
        try (PostgresBroker a = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            byte[] chunk = new byte[1 << 20];
            new Random(7).nextBytes(chunk);
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int i = 0; i < size / chunk.length; i++) {
                    chunk[0] = (byte) i;
                    out.write(chunk);
                    sent.update(chunk);
                }
            }
            LockLease l = get(a.acquireLock("big", new LockRequest("o", LONG, 0)));

            get(a.putLockState("big", new LockStateWrite(l.fence(), Payload.ofFile(file, size),
                    "application/octet-stream", OptionalLong.empty())));

            assertThat(chunks(config)).isEqualTo(size / Codec.CHUNK);
            LockState read = get(a.getLockState("big"));
            assertThat(read.payload()).isInstanceOf(ChunkedPayload.class);
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            try (InputStream in = read.payload().openStream()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.update(buf, 0, n);
                }
            }
            assertThat(got.digest()).isEqualTo(sent.digest());

            get(a.putLockState("big", new LockStateWrite(l.fence(), Payload.ofUtf8("small"), "text/plain",
                    OptionalLong.of(1))));
            assertThat(chunks(config)).isZero();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long chunks(PostgresConfig c) throws Exception {
        try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password().orElse(""));
                Statement s = conn.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM spool_lock_chunks")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
