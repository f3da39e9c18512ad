package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Key rotation on PostgreSQL while the server runs: the keyring is replaced
 * ({@link PostgresBroker#replaceKeyring}), new rows use the new key, the background re-seal moves
 * every older row (lean and shared message bodies, task results, lock state) to it a few rows per
 * pass, a ring dropping the old key is refused until then and accepted after, and every record
 * still reads back, on a server that only holds the new key too.
 */
@Timeout(120)
class PostgresKeyRotationTest {
    private static final String OLD = Keyring.newKeyLine("pg-rot-old");
    private static final String NEW = Keyring.newKeyLine("pg-rot-new");

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static BrokerSettings settings(String keys) {
        // three rows a pass, so that the re-seal takes several passes
        return BrokerSettings.DEFAULTS.withAtRest(new AtRest(Optional.of(Keyring.parse(keys, "test")), true)
                .withResealBatch(3));
    }

    /** Whether any row still names the key: in a seal marker, a type column, or a sealed header. */
    private static boolean anyRowNames(PostgresBroker b, String keyId) throws Exception {
        String[] queries = {"SELECT payload FROM spool_messages", "SELECT payload FROM spool_deliveries",
            "SELECT result FROM spool_deliveries", "SELECT st_data FROM spool_locks",
            "SELECT convert_to(array_to_string(headers, ','), 'UTF8') FROM spool_messages",
            "SELECT convert_to(array_to_string(headers, ','), 'UTF8') FROM spool_deliveries",
            "SELECT convert_to(result_type, 'UTF8') FROM spool_deliveries",
            "SELECT convert_to(st_type, 'UTF8') FROM spool_locks"};
        try (Connection c = b.db().open(); Statement s = c.createStatement()) {
            for (String q : queries) {
                try (ResultSet rs = s.executeQuery(q)) {
                    while (rs.next()) {
                        byte[] v = rs.getBytes(1);
                        if (v != null && new String(v, StandardCharsets.ISO_8859_1).contains(keyId)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static ErrorCode failure(CompletionStage<?> s) {
        try {
            get(s);
        } catch (ExecutionException e) {
            return ((SpoolException) e.getCause()).code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void shouldResealEveryRowUnderTheNewKeySoThatTheOldKeyCanBeDropped() throws Exception {
        PostgresConfig config = TestPostgres.newDatabase("enc_rotation");
        List<String> texts = new ArrayList<>();
        long acked;
        try (PostgresBroker a = PostgresBroker.open(config, settings(OLD))) {
            get(a.putQueue("lean", QueueConfig.DEFAULTS.withEncrypted(true)));
            get(a.putQueue("fan", QueueConfig.DEFAULTS.withEncrypted(true)));
            get(a.putGroup("fan", "second", new GroupSpec(StartPosition.EARLIEST)));
            for (int i = 0; i < 6; i++) {
                texts.add("payload-" + i);
                get(a.push("lean", List.of(NewMessage.ofUtf8("payload-" + i))));
                get(a.push("fan", List.of(NewMessage.ofUtf8("payload-" + i))));
            }
            Delivery d = get(a.pop("lean", new PopRequest("default", 1, 60_000, 0))).get(0);
            acked = d.id();
            get(a.ack("lean", new AckRequest("default", Receipts.of(List.of(d)),
                    Optional.of(new TaskResult(Payload.ofUtf8("the-result"), "text/plain")))));
            LockLease l = get(a.acquireLock("lk", new LockRequest("t", 60_000, 0)));
            get(a.putLockState("lk", new LockStateWrite(l.fence(), Payload.ofUtf8("the-state"), "text/plain",
                    OptionalLong.empty())));
            assertThat(anyRowNames(a, "pg-rot-old")).isTrue();

            assertThat(failure(a.replaceKeyring(Keyring.parse(NEW, "test")))).isEqualTo(ErrorCode.CONFLICT);
            get(a.replaceKeyring(Keyring.parse(OLD + "\n" + NEW, "test")));
            get(a.push("lean", List.of(NewMessage.ofUtf8("payload-new"))));

            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !anyRowNames(a, "pg-rot-old"));
            assertThat(get(a.keysInUse(Set.of("pg-rot-old", "pg-rot-new")))).containsExactly("pg-rot-new");
            get(a.replaceKeyring(Keyring.parse(NEW, "test")));
        }
        try (PostgresBroker b = PostgresBroker.open(config, settings(NEW))) {
            assertThat(get(b.getMessage("lean", acked, MessageQuery.NOW)).result().orElseThrow().payload().asUtf8())
                    .isEqualTo("the-result");
            assertThat(get(b.getLockState("lk")).payload().asUtf8()).isEqualTo("the-state");
            List<String> lean = new ArrayList<>();
            for (Delivery d : get(b.pop("lean", new PopRequest("default", 10, 60_000, 0)))) {
                lean.add(d.body().payload().asUtf8());
            }
            assertThat(lean).containsExactlyElementsOf(concat(texts.subList(1, 6), "payload-new"));
            for (String group : List.of("default", "second")) {
                List<String> fan = new ArrayList<>();
                for (Delivery d : get(b.pop("fan", new PopRequest(group, 10, 60_000, 0)))) {
                    fan.add(d.body().payload().asUtf8());
                }
                assertThat(fan).as(group).containsExactlyElementsOf(texts);
            }
        }
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }
}
