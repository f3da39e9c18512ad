package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.NackRequest;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest on PostgreSQL ({@code encrypt-all}; per queue: PostgresQueueEncryptionTest): no payload, result or lock state lies in
 * clear in any column, every read gives the plaintext back (on another server of the database too,
 * and after a dead-lettering made by SQL), and a tampered column is refused as {@code corrupt} while
 * other messages are still served.
 */
@Timeout(120)
class PostgresEncryptionTest {
    private static final String KEYS = Keyring.newKeyLine("pg-key-1");

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static BrokerSettings encryptAll() {
        return BrokerSettings.DEFAULTS.withAtRest(new AtRest(Optional.of(Keyring.parse(KEYS, "test")), true));
    }

    private static byte[] marked(String marker, int size) {
        byte[] p = new byte[size];
        Arrays.fill(p, (byte) 'x');
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + m.length < size; i += 4096) {
            System.arraycopy(m, 0, p, i, m.length);
        }
        return p;
    }

    /** Whether any row of {@code sql}'s single bytea column holds {@code marker}. */
    private static boolean anyRowHolds(PostgresBroker b, String sql, String marker) throws Exception {
        try (Connection c = b.db().open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                byte[] v = rs.getBytes(1);
                if (v != null && new String(v, StandardCharsets.ISO_8859_1).contains(marker)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void update(PostgresBroker b, String sql) throws Exception {
        assertThat(updated(b, sql)).isPositive();
    }

    private static int updated(PostgresBroker b, String sql) throws Exception {
        try (Connection c = b.db().open(); Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }

    @Test
    void shouldKeepEveryColumnSealedAndReadItBackWhenEncryptAll() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("enc_columns");
        byte[] small = marked("SMALL-SECRET", 500);
        byte[] large = marked("LARGE-SECRET", 600_000);
        try (PostgresBroker a = PostgresBroker.open(config, encryptAll());
                PostgresBroker b = PostgresBroker.open(config, encryptAll())) {
            get(a.putQueue("q", QueueConfig.DEFAULTS.withEncrypted(true).withMaxAttempts(1)));
            long id = get(a.push("q", List.of(NewMessage.of(small), NewMessage.of(large))))[0];
            Delivery d = get(b.pop("q", new PopRequest("default", 1, 60_000, 0))).get(0);
            assertThat(d.body().payload().toBytes()).isEqualTo(small);
            assertThat(d.body().headers()).isEmpty();
            get(b.ack("q", new AckRequest("default", Receipts.of(List.of(d)),
                    Optional.of(new TaskResult(Payload.ofUtf8("RESULT-SECRET"), "text/plain")))));
            LockLease l = get(a.acquireLock("lk", new LockRequest("t", 60_000, 0)));
            get(a.putLockState("lk", new LockStateWrite(l.fence(), Payload.ofUtf8("LOCK-STATE-SECRET"), "text/plain",
                    OptionalLong.empty())));

            assertThat(anyRowHolds(a, "SELECT payload FROM spool_messages", "SMALL-SECRET")).isFalse();
            assertThat(anyRowHolds(a, "SELECT payload FROM spool_deliveries", "SMALL-SECRET")).isFalse();
            assertThat(anyRowHolds(a, "SELECT data FROM spool_chunks", "LARGE-SECRET")).isFalse();
            assertThat(anyRowHolds(a, "SELECT result FROM spool_deliveries", "RESULT-SECRET")).isFalse();
            assertThat(anyRowHolds(a, "SELECT st_data FROM spool_locks", "LOCK-STATE-SECRET")).isFalse();

            var view = get(b.getMessage("q", id, MessageQuery.NOW));
            assertThat(view.result().orElseThrow().payload().asUtf8()).isEqualTo("RESULT-SECRET");
            assertThat(view.result().orElseThrow().contentType()).isEqualTo("text/plain");
            var state = get(b.getLockState("lk"));
            assertThat(state.payload().asUtf8()).isEqualTo("LOCK-STATE-SECRET");
            assertThat(state.info().contentType()).isEqualTo("text/plain");
            assertThat(state.info().size()).isEqualTo("LOCK-STATE-SECRET".length());

            Delivery big = get(b.pop("q", new PopRequest("default", 1, 60_000, 0))).get(0);
            assertThat(big.body().payload().size()).isEqualTo(large.length);
            // dead-lettered by SQL (max_attempts 1): the copy keeps its seal and still opens
            get(b.nack("q", new NackRequest("default", Receipts.of(List.of(big)), OptionalLong.empty(),
                    Optional.of("boom"), true)));
            String dlq = get(a.getQueue("q")).config().deadLetterQueue().orElse("q.dlq");
            Delivery dead = get(a.pop(dlq, new PopRequest("default", 1, 60_000, 0))).get(0);
            assertThat(dead.body().payload().toBytes()).isEqualTo(large);
            assertThat(dead.body().headers()).doesNotContainKey(AtRestRows.MARK);
        }
    }

    @Test
    void shouldReportCorruptWhenAColumnIsTamperedAndServeTheRest() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("enc_tamper");
        try (PostgresBroker b = PostgresBroker.open(config, encryptAll())) {
            long[] ids = get(b.push("q", List.of(NewMessage.ofUtf8("first"), NewMessage.ofUtf8("second"))));
            // a single-group queue keeps its bodies in spool_deliveries (V24), a shared body in spool_messages
            String flip = " SET payload = set_byte(payload, length(payload) - 1, get_byte(payload, length(payload) - 1)"
                    + " # 1) WHERE payload IS NOT NULL AND ";
            if (updated(b, "UPDATE spool_deliveries" + flip + "msg_id = " + ids[0]) == 0) {
                update(b, "UPDATE spool_messages" + flip + "id = " + ids[0]);
            }

            assertThatThrownBy(() -> get(b.pop("q", new PopRequest("default", 1, 60_000, 0))))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT));
            Delivery second = get(b.pop("q", new PopRequest("default", 1, 60_000, 0))).get(0);
            assertThat(second.body().payload().asUtf8()).isEqualTo("second");

            get(b.ack("q", new AckRequest("default", Receipts.of(List.of(second)),
                    Optional.of(new TaskResult(Payload.ofUtf8("done"), "text/plain")))));
            update(b, "UPDATE spool_deliveries SET result = set_byte(result, 30, get_byte(result, 30) # 1) "
                    + "WHERE msg_id = " + ids[1]);
            assertThatThrownBy(() -> get(b.getMessage("q", ids[1], MessageQuery.NOW)))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT));
            assertThat(get(b.push("q", List.of(NewMessage.ofUtf8("third"))))).hasSize(1);
        }
    }

    @Test
    void shouldRefuseAnEncryptedQueueWhenTheServerHasNoKeyring() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("enc_refuse");
        try (PostgresBroker b = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            assertThatThrownBy(() -> get(b.putQueue("q", QueueConfig.DEFAULTS.withEncrypted(true))))
                    .cause().isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.field()).contains("encrypted");
                    });
        }
    }
}
