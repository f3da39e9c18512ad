package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerLimits;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.Health;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;

/**
 * Failures inside the engine: a transaction that cannot be applied whole is refused before any of
 * it is applied; a failure outside a command never ends the engine thread; a command that fails
 * half-applied is dropped from the journal and the engine refuses writes (and says so on its
 * health) instead of letting memory and journal disagree.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineFailureTest {
    @TempDir
    Path dir;

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static SpoolException failure(java.util.concurrent.CompletionStage<?> s) {
        try {
            get(s);
        } catch (CompletionException e) {
            if (e.getCause() instanceof SpoolException se) {
                return se;
            }
            throw e;
        }
        throw new AssertionError("the call succeeded");
    }

    private EmbeddedBroker open(BrokerSettings settings) {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir), settings);
    }

    @Test
    void shouldRefuseATransactionWhoseNewQueuesDoNotAllFitAndKeepLaterWritesDurable() {
        BrokerSettings three = BrokerSettings.DEFAULTS.withLimits(new BrokerLimits(3, 1_000, 10_000, 1_000, 60_000,
                10_000, 1_000, 1_000));
        try (EmbeddedBroker b = open(three)) {
            get(b.putQueue("a", QueueConfig.DEFAULTS));
            get(b.putQueue("b", QueueConfig.DEFAULTS));
            SpoolException e = failure(b.transact(List.of(
                    new TxOp.Push("new-1", List.of(NewMessage.ofUtf8("x"))),
                    new TxOp.Push("new-2", List.of(NewMessage.ofUtf8("y"))))));
            assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
            assertThat(e.opIndex()).hasValue(1);
            assertThat(get(b.listQueues())).extracting(QueueInfo::name).containsExactly("a", "b");
            get(b.push("a", List.of(NewMessage.ofUtf8("after"))));
        }
        try (EmbeddedBroker b = open(three)) {
            assertThat(get(b.listQueues())).extracting(QueueInfo::name).containsExactly("a", "b");
            List<Delivery> d = get(b.pop("a", PopRequest.of(10)));
            assertThat(d).extracting(x -> x.body().payload().asUtf8()).containsExactly("after");
        }
    }

    @Test
    void shouldKeepServingWhenHousekeepingFailsOutsideAnyCommand() {
        try (EmbeddedBroker b = open(BrokerSettings.DEFAULTS)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("before"))));
            Engine engine = b.engine();
            Wal real = engine.wal;
            get(b.onEngine(() -> engine.wal = new ForwardingWal(real) {
                @Override
                public void housekeeping(long now) {
                    throw new IllegalStateException("housekeeping broke");
                }
            }));
            get(b.push("q", List.of(NewMessage.ofUtf8("during"))));
            List<Delivery> d = get(b.pop("q", PopRequest.of(10)));
            assertThat(d).extracting(x -> x.body().payload().asUtf8()).containsExactly("before", "during");
            assertThat(get(b.health()).ready()).isTrue();
            get(b.onEngine(() -> engine.wal = real));
        }
    }

    @Test
    void shouldDropAHalfAppliedCommandFromTheJournalAndRefuseWritesUntilRestart() {
        try (EmbeddedBroker b = open(BrokerSettings.DEFAULTS)) {
            get(b.push("q", List.of(NewMessage.ofUtf8("kept"))));
            Engine engine = b.engine();
            assertThatThrownBy(() -> get(b.onEngine(() -> {
                QueueState q = engine.sm.queues.get("q");
                engine.wal.txBegin(engine.now);
                engine.wal.queuePurge(q, engine.now);
                throw new IllegalStateException("failed in the middle of a transaction");
            }))).hasCauseInstanceOf(SpoolException.class);
            Health h = get(b.health());
            assertThat(h.ready()).isFalse();
            assertThat(h.detail()).contains("writes are refused until restart");
            assertThat(failure(b.push("q", List.of(NewMessage.ofUtf8("refused")))).code())
                    .isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(get(b.getQueue("q")).stats().ready()).isEqualTo(1);
        }
        try (EmbeddedBroker b = open(BrokerSettings.DEFAULTS)) {
            assertThat(get(b.health()).ready()).isTrue();
            List<Delivery> d = get(b.pop("q", PopRequest.of(10)));
            assertThat(d).extracting(x -> x.body().payload().asUtf8()).containsExactly("kept");
            get(b.push("q", List.of(NewMessage.ofUtf8("after restart"))));
        }
        try (EmbeddedBroker b = open(BrokerSettings.DEFAULTS)) {
            assertThat(get(b.getQueue("q")).stats().ready()).isEqualTo(1);
            assertThat(get(b.getQueue("q")).stats().inFlight()).isEqualTo(1);
        }
    }
}
