package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;

/**
 * What a message costs PostgreSQL in writes, on a queue with one group: push, pop and ack of 1 000
 * messages of 1 KiB in batches of 100, one at a time, counted as WAL bytes (the distance the WAL
 * insert position moved: every heap tuple, index entry, lock and commit record, measured exactly
 * and independent of machine load) and as the index entries left behind. Before the lean schema
 * (V24) each message was a body row and a delivery row; now it is one row.
 */
@Timeout(120)
class PostgresWritesTest {
    private static final int BATCH = 100;
    private static final int BATCHES = 10;

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static long lsn(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void shouldWriteOneRowPerMessageWhenQueueHasOneGroup() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("writes");
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(NewMessage.of(new byte[1024]));
        }
        try (PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS);
                Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(),
                        config.password().orElse(""))) {
            // a first round creates the queue and warms the tables
            loop(b, batch, 1);
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT");
            }
            long before = lsn(c);
            loop(b, batch, BATCHES);
            long perMessage = (lsn(c) - before) / (BATCH * BATCHES);

            System.out.printf("push + pop + ack, one group, batches of %d x 1 KiB: %d WAL bytes per message%n", BATCH,
                    perMessage);
            // the payload is logged once (the push); the lease and the ack log small records
            assertThat(perMessage).isLessThan(2 * 1024);
        }
    }

    private static void loop(PostgresBroker b, List<NewMessage> batch, int rounds) throws Exception {
        for (int r = 0; r < rounds; r++) {
            get(b.push("q", batch));
            List<Delivery> got = get(b.pop("q", new PopRequest("default", BATCH, 0, 0)));
            assertThat(got).hasSize(BATCH);
            get(b.ack("q", new AckRequest("default", Receipts.of(got), Optional.empty())));
        }
    }
}
