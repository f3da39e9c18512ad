package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TaskResult;
import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;

/**
 * Encryption at rest as every backend shows it through the Broker API: an {@code "encrypted": true}
 * queue is refused without a keyring and kept with one (the flag reads back), its payloads and
 * results round-trip, lock state round-trips under {@code encrypt-all}, and a keyring replaced while
 * running ({@link Broker#replaceKeyring}) seals new writes with its active key while the records
 * written before still read. What lies on disk is checked per backend (EncryptedJournalTest,
 * PostgresEncryptionTest).
 */
abstract class EncryptionContract extends ContractSupport {
    private static final String K1 = Keyring.newKeyLine("contract-k1");
    private static final String K2 = Keyring.newKeyLine("contract-k2");

    EncryptionContract(BrokerContractTest suite) {
        super(suite);
    }

    private Broker encrypted(String keys, boolean all) {
        assumeEncryption();
        return open(settings().withAtRest(new AtRest(Optional.of(Keyring.parse(keys, "contract")), all)));
    }

    private String encryptedQueue(Broker b) {
        String q = queueName();
        get(b.putQueue(q, defaults().withEncrypted(true)));
        return q;
    }

    private void ackWithResult(Broker b, String q, Delivery d, String result) {
        get(b.ack(q, new AckRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)),
                Optional.of(new TaskResult(Payload.ofUtf8(result), "text/plain")))));
    }

    private Delivery popFrom(Broker b, String q) {
        List<Delivery> d = get(b.pop(q, new dev.spool.api.PopRequest(Broker.DEFAULT_GROUP, 1, LONG_LEASE_MS, 0)));
        assertThat(d).hasSize(1);
        return d.get(0);
    }

    @Test
    void shouldRefuseAnEncryptedQueueWhenTheBrokerHasNoKeyring() {
        SpoolException e = invalid("encrypted", () -> broker().putQueue(queueName(), defaults().withEncrypted(true)));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void shouldKeepTheEncryptedFlagAndRoundTripPayloadsAndResultsWhenEncrypted() {
        Broker b = encrypted(K1, false);
        String q = encryptedQueue(b);
        String plain = queueName("plain");
        get(b.putQueue(plain, defaults()));
        assertThat(get(b.getQueue(q)).config().encrypted()).isTrue();
        assertThat(get(b.getQueue(plain)).config().encrypted()).isFalse();
        long id = get(b.push(q, List.of(NewMessage.ofUtf8("sealed-payload"))))[0];
        get(b.push(plain, List.of(NewMessage.ofUtf8("clear-payload"))));

        Delivery d = popFrom(b, q);
        assertThat(d.body().payload().asUtf8()).isEqualTo("sealed-payload");
        assertThat(d.body().headers()).isEmpty();
        ackWithResult(b, q, d, "sealed-result");
        assertThat(get(b.getMessage(q, id, MessageQuery.NOW)).result().orElseThrow().payload().asUtf8())
                .isEqualTo("sealed-result");
        assertThat(popFrom(b, plain).body().payload().asUtf8()).isEqualTo("clear-payload");
    }

    @Test
    void shouldRoundTripLockStateWhenEveryRecordIsEncrypted() {
        assumeLocks();
        Broker b = encrypted(K1, true);
        String lock = queueName("lock");
        LockLease l = get(b.acquireLock(lock, new LockRequest("owner", LONG_LEASE_MS, 0)));
        get(b.putLockState(lock, new LockStateWrite(l.fence(), Payload.ofUtf8("sealed-state"), "text/plain",
                OptionalLong.empty())));
        assertThat(get(b.getLockState(lock)).payload().asUtf8()).isEqualTo("sealed-state");
    }

    @Test
    void shouldSealWithTheNewActiveKeyAndReadOlderRecordsWhenTheKeyringIsReplaced() {
        Broker b = encrypted(K1, true);
        String q = encryptedQueue(b);
        get(b.push(q, List.of(NewMessage.ofUtf8("before"))));
        Delivery first = popFrom(b, q);
        ackWithResult(b, q, first, "result-before");

        get(b.replaceKeyring(Keyring.parse(K1 + "\n" + K2, "contract")));
        assertThat(b.settings().atRest().keyring().orElseThrow().activeId()).isEqualTo("contract-k2");
        long after = get(b.push(q, List.of(NewMessage.ofUtf8("after"))))[0];

        assertThat(get(b.getMessage(q, first.id(), MessageQuery.NOW)).result().orElseThrow().payload().asUtf8())
                .isEqualTo("result-before");
        Delivery second = popFrom(b, q);
        assertThat(second.id()).isEqualTo(after);
        assertThat(second.body().payload().asUtf8()).isEqualTo("after");
    }
}
