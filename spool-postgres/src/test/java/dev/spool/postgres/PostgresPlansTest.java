package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;

/**
 * The receipt statements stay primary-key probes on a busy queue whatever the planner's
 * statistics say (V7, V9, V10). A fresh database has no statistics, which is when the planner used
 * to answer an ack, nack or extend of 100 receipts, or a waiting pop's "next due", by reading every
 * leased delivery of the group. Each statement runs on its own connection in a transaction that
 * is rolled back, and the index entries it read are counted ({@code pg_stat_get_xact_tuples_returned}
 * of each index of spool_deliveries, this transaction only).
 */
class PostgresPlansTest {
    private static final int LEASED = 5_000;
    private static final int RECEIPTS = 100;
    /**
     * A statement reads a few entries per row it names (the row's dead versions, one probe per
     * step of a nack), never a walk of the leased rows: the bad plans read at least LEASED.
     */
    private static final long BOUND = 2_000;

    @Test
    void receiptsAndNextDueReadOnlyTheEntriesTheyNameWithThousandsLeased() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("plans");
        List<Delivery> leased = new ArrayList<>();
        try (PostgresBroker broker = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            broker.putQueue("busy", QueueConfig.DEFAULTS).toCompletableFuture().get();
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add(NewMessage.of(new byte[16]));
            }
            for (int i = 0; i < LEASED / batch.size(); i++) {
                broker.push("busy", batch).toCompletableFuture().get();
            }
            while (leased.size() < LEASED) {
                List<Delivery> got = broker.pop("busy", new PopRequest("default", 500, 600_000, 0))
                        .toCompletableFuture().get();
                assertThat(got).isNotEmpty();
                leased.addAll(got);
            }
        }
        StringBuilder ids = new StringBuilder("{");
        StringBuilder fences = new StringBuilder("{");
        for (int i = 0; i < RECEIPTS; i++) {
            ids.append(i == 0 ? "" : ",").append(leased.get(i).id());
            fences.append(i == 0 ? "" : ",").append(leased.get(i).attempts());
        }
        String receipts = "'busy', 'default', '" + ids + "}'::bigint[], '" + fences + "}'::int[]";

        // first: the rolled-back writes below leave dead entries at the head of spool_deliveries_due
        assertThat(entriesRead(config, "SELECT spool_next_due('busy', 'default')", false))
                .as("index entries a waiting pop's next-due probe reads with %d leased", LEASED)
                .isLessThan(10);
        assertThat(entriesRead(config, "SELECT spool_ack(" + receipts + ", NULL, NULL)", true))
                .as("index entries an ack of %d receipts reads with %d leased", RECEIPTS, LEASED)
                .isLessThan(BOUND);
        assertThat(entriesRead(config, "SELECT spool_nack(" + receipts + ", 0, NULL)", true))
                .isLessThan(BOUND);
        assertThat(entriesRead(config, "SELECT spool_extend(" + receipts + ", 60000)", true))
                .isLessThan(BOUND);
    }

    /**
     * Runs {@code sql} in a transaction that is rolled back and returns the index entries of
     * spool_deliveries it read; checks that every receipt answered ok when {@code allOk} says so.
     */
    private static long entriesRead(PostgresConfig config, String sql, boolean allOk) throws SQLException {
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password().orElse(""))) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    assertThat(rs.next()).isTrue();
                    if (allOk) {
                        assertThat(rs.getString(1)).as(sql).isEqualTo("{" + "0,".repeat(RECEIPTS - 1) + "0}");
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0) "
                        + "FROM pg_index WHERE indrelid = 'spool_deliveries'::regclass");
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } finally {
                c.rollback();
            }
        }
    }
}
