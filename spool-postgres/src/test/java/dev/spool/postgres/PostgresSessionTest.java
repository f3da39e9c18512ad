package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerSettings;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;

/**
 * Every connection of the broker runs with the session settings its statements depend on — JIT off
 * (stock packages turn it on and the pop's cost crosses {@code jit_above_cost}) and read committed —
 * whatever the database's defaults say: the pooled connections, the LISTEN connection, and both
 * again after PostgreSQL terminated them. The test database defaults to the opposite of each
 * setting, so a connection that missed them shows it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PostgresSessionTest {

    /** One connection's backend pid and the settings it runs with. */
    private record Session(int pid, String jit, String isolation, String spoolSettings) {
    }

    private static final Db.Work<Session> SHOW = c -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid(), "
                + "current_setting('jit'), current_setting('default_transaction_isolation'), "
                + "current_setting('spool.settings', true)")) {
            rs.next();
            return new Session(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4));
        }
    };

    @Test
    void shouldRunEveryConnectionWithJitOffAndReadCommittedAlsoAfterAReconnect() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("session");
        try (Connection admin = connect(config); Statement s = admin.createStatement()) {
            s.execute("ALTER DATABASE " + config.database() + " SET jit = on");
            s.execute("ALTER DATABASE " + config.database() + " SET default_transaction_isolation = 'repeatable read'");
        }
        try (Connection plain = connect(config)) {
            assertThat(SHOW.run(plain).jit()).as("a plain session of the test database").isEqualTo("on");
        }
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            broker.push("s", List.of(NewMessage.of(new byte[] {1}))).toCompletableFuture().get(20, TimeUnit.SECONDS);
            List<Session> before = sessions(broker, config.poolSize());
            assertSettings(before);

            terminateBrokerSessions(config);

            // each pooled connection fails once (503) and reconnects on its next call; the listener reconnects by itself
            Set<Integer> old = new HashSet<>();
            before.forEach(x -> old.add(x.pid()));
            List<Session> after = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
                after.clear();
                after.addAll(sessions(broker, config.poolSize()));
                assertThat(after).extracting(Session::pid).doesNotContainAnyElementsOf(old);
            });
            assertSettings(after);
            assertThat(broker.pop("s", new PopRequest("default", 1, 30_000, 0)).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)).as("serves after the reconnect").hasSize(1);
        }
    }

    private static void assertSettings(List<Session> sessions) {
        assertThat(sessions).allSatisfy(x -> {
            assertThat(x.jit()).as("jit of backend %d", x.pid()).isEqualTo("off");
            assertThat(x.isolation()).as("isolation of backend %d", x.pid()).isEqualTo("read committed");
            assertThat(x.spoolSettings()).as("spool.settings of backend %d", x.pid()).isNotBlank();
        });
    }

    /**
     * The session of every pooled connection (one blocking check per worker, all held until each
     * worker has one, so no worker runs two) and then of the LISTEN connection, which comes last.
     */
    private static List<Session> sessions(PostgresBroker broker, int poolSize) throws Exception {
        CountDownLatch all = new CountDownLatch(poolSize);
        List<CompletableFuture<Session>> checks = new ArrayList<>();
        for (int i = 0; i < poolSize; i++) {
            checks.add(broker.db().call(c -> {
                all.countDown();
                // an exception, not an assertion error: an Error would end the worker thread
                try {
                    if (!all.await(3, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("not every worker took a check");
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return SHOW.run(c);
            }));
        }
        List<Session> out = new ArrayList<>();
        for (CompletableFuture<Session> f : checks) {
            out.add(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(out).extracting(Session::pid).doesNotHaveDuplicates();
        out.add(broker.listener().onConnection(SHOW).get(30, TimeUnit.SECONDS));
        assertThat(out).extracting(Session::pid).as("pooled and LISTEN backends").doesNotHaveDuplicates();
        return out;
    }

    private static void terminateBrokerSessions(PostgresConfig config) throws SQLException {
        try (Connection admin = connect(config); Statement s = admin.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        + "WHERE datname = current_database() AND application_name = 'spool'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("terminated broker backends").isGreaterThan(config.poolSize());
        }
    }

    private static Connection connect(PostgresConfig c) throws SQLException {
        return DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password().orElse(""));
    }
}
