package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;

/**
 * A task acked without a result, or expired, and forgotten at once (retention 0) is not found,
 * but the answer says what became of it, unlike the not-found of an id that never existed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FinishedTaskViewTest {
    private final Broker broker = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS);

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void shouldSayAckedWhenTaskWasAckedWithoutResultAndForgotten() {
        get(broker.putQueue("t", QueueConfig.DEFAULTS));
        long id = get(broker.push("t", List.of(NewMessage.ofUtf8("job"))))[0];
        Delivery d = get(broker.pop("t", PopRequest.of(1))).get(0);
        get(broker.ack("t", new AckRequest(Broker.DEFAULT_GROUP, Receipts.of(List.of(d)), Optional.empty())));

        assertThatThrownBy(() -> get(broker.getMessage("t", id, MessageQuery.NOW)))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_NOT_FOUND))
                .hasMessageContaining("was acked without a result").hasMessageContaining("retention_ms");
    }

    @Test
    void shouldSayExpiredWhenTtlEndedBeforeAnyConsumer() {
        get(broker.putQueue("e", QueueConfig.DEFAULTS));
        NewMessage m = new NewMessage(NewMessage.ofUtf8("late").body(), 0, 0, 1, Optional.empty());
        long id = get(broker.push("e", List.of(m)))[0];

        await().atMost(Duration.ofSeconds(10)).until(() -> get(broker.getQueue("e")).stats().ready() == 0);

        assertThatThrownBy(() -> get(broker.getMessage("e", id, MessageQuery.NOW)))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_NOT_FOUND))
                .hasMessageContaining("expired before it was consumed");
    }

    @Test
    void shouldStillAnswerNotFoundForAnIdThatNeverExisted() {
        get(broker.putQueue("n", QueueConfig.DEFAULTS));
        long id = get(broker.push("n", List.of(NewMessage.ofUtf8("x"))))[0];

        assertThatThrownBy(() -> get(broker.getMessage("n", id + 1, MessageQuery.NOW)))
                .isInstanceOfSatisfying(SpoolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_NOT_FOUND))
                .hasMessageContaining("no message");
    }

    private static <T> T get(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof SpoolException se ? se : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
