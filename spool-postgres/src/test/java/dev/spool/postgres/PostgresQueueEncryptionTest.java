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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.TxOp;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Per-queue encryption at rest on PostgreSQL, without {@code encrypt-all}: a queue created with
 * {@code "encrypted": true} keeps no payload or result in clear, an unencrypted queue beside it
 * stays clear, servers that did not know the queue is encrypted (opened before it was created)
 * seal anyway because the database refuses their clear writes, a server without a keyring is
 * refused with {@code 400}, and a tampered row answers {@code corrupt} while the rest is served.
 */
@Timeout(120)
class PostgresQueueEncryptionTest {
    private static final String KEYS = Keyring.newKeyLine("pg-queue-key");

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static BrokerSettings keyOnly() {
        return BrokerSettings.DEFAULTS.withAtRest(AtRest.of(Keyring.parse(KEYS, "test")));
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

    private static boolean anyPayloadHolds(PostgresBroker b, String marker) throws Exception {
        return anyRowHolds(b, "SELECT payload FROM spool_messages", marker)
                || anyRowHolds(b, "SELECT payload FROM spool_deliveries", marker)
                || anyRowHolds(b, "SELECT data FROM spool_chunks", marker);
    }

    private static PopRequest one() {
        return new PopRequest("default", 1, 60_000, 0);
    }

    @Test
    void shouldSealOnlyTheEncryptedQueueWhenServersLearnItFromTheDatabase() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("enc_per_queue");
        byte[] large = marked("LARGE-SECRET", 400_000);
        try (PostgresBroker a = PostgresBroker.open(config, keyOnly());
                PostgresBroker pusher = PostgresBroker.open(config, keyOnly());
                PostgresBroker chunker = PostgresBroker.open(config, keyOnly());
                PostgresBroker worker = PostgresBroker.open(config, keyOnly());
                PostgresBroker transactor = PostgresBroker.open(config, keyOnly());
                PostgresBroker noKey = PostgresBroker.open(config, BrokerSettings.DEFAULTS)) {
            // the other servers were opened before the queues existed: they learn from the database
            get(a.putQueue("secret", QueueConfig.DEFAULTS.withEncrypted(true)));
            get(a.putQueue("plain", QueueConfig.DEFAULTS));
            assertThat(get(pusher.getQueue("secret")).config().encrypted()).isTrue();
            assertThat(get(pusher.getQueue("plain")).config().encrypted()).isFalse();

            long id = get(pusher.push("secret", List.of(NewMessage.of(marked("SMALL-SECRET", 300)))))[0];
            get(chunker.push("secret", List.of(NewMessage.of(large)))); // chunked: one transaction, run again
            get(pusher.push("plain", List.of(NewMessage.of(marked("PLAIN-TEXT", 300)))));
            // in a transaction the refusal aborts it: it runs again whole, sealed
            get(transactor.transact(List.of(new TxOp.Push("plain", List.of(NewMessage.ofUtf8("tx-clear"))),
                    new TxOp.Push("secret", List.of(NewMessage.of(marked("TX-SECRET", 300)))))));
            assertThatThrownBy(() -> get(noKey.push("secret", List.of(NewMessage.ofUtf8("nope")))))
                    .cause().isInstanceOfSatisfying(SpoolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.field()).contains("encrypted");
                    });

            Delivery d = get(worker.pop("secret", one())).get(0);
            assertThat(d.body().payload().toBytes()).isEqualTo(marked("SMALL-SECRET", 300));
            get(worker.ack("secret", new AckRequest("default", Receipts.of(List.of(d)),
                    Optional.of(new TaskResult(Payload.ofUtf8("RESULT-SECRET"), "text/plain")))));

            assertThat(anyPayloadHolds(a, "SMALL-SECRET")).isFalse();
            assertThat(anyPayloadHolds(a, "LARGE-SECRET")).isFalse();
            assertThat(anyPayloadHolds(a, "TX-SECRET")).isFalse();
            assertThat(anyRowHolds(a, "SELECT result FROM spool_deliveries", "RESULT-SECRET")).isFalse();
            assertThat(anyPayloadHolds(a, "PLAIN-TEXT")).as("an unencrypted queue stays clear").isTrue();

            assertThat(get(a.getMessage("secret", id, MessageQuery.NOW)).result().orElseThrow().payload().asUtf8())
                    .isEqualTo("RESULT-SECRET");
            assertThat(get(a.pop("secret", one())).get(0).body().payload().toBytes()).isEqualTo(large);
            assertThat(get(a.pop("secret", one())).get(0).body().payload().toBytes())
                    .isEqualTo(marked("TX-SECRET", 300));
            assertThat(get(a.pop("plain", one())).get(0).body().payload().toBytes())
                    .isEqualTo(marked("PLAIN-TEXT", 300));
            assertThat(get(a.pop("plain", one())).get(0).body().payload().asUtf8()).isEqualTo("tx-clear");
        }
    }

    @Test
    void shouldReportCorruptForATamperedRowOfAnEncryptedQueueAndServeTheRest() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("enc_per_queue_tamper");
        try (PostgresBroker b = PostgresBroker.open(config, keyOnly())) {
            get(b.putQueue("secret", QueueConfig.DEFAULTS.withEncrypted(true)));
            long[] ids = get(b.push("secret", List.of(NewMessage.ofUtf8("first"), NewMessage.ofUtf8("second"))));
            get(b.push("plain", List.of(NewMessage.ofUtf8("clear"))));
            try (Connection c = b.db().open(); Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("UPDATE spool_deliveries SET payload = "
                        + "set_byte(payload, length(payload) - 1, get_byte(payload, length(payload) - 1) # 1) "
                        + "WHERE payload IS NOT NULL AND msg_id = " + ids[0])).isEqualTo(1);
            }
            assertThatThrownBy(() -> get(b.pop("secret", one()))).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOfSatisfying(SpoolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT));
            assertThat(get(b.pop("secret", one())).get(0).body().payload().asUtf8()).isEqualTo("second");
            assertThat(get(b.pop("plain", one())).get(0).body().payload().asUtf8()).isEqualTo("clear");
        }
    }
}
