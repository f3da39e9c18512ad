package dev.spool.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValidationTest {

    private static void assertInvalid(NewMessage m, String field) {
        assertThatThrownBy(() -> Validation.messages(List.of(NewMessage.ofUtf8("ok"), m), BrokerLimits.DEFAULTS,
                "messages"))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.field()).contains(field));
    }

    @Test
    void shouldNameTheFieldOfABadMessage() {
        assertInvalid(NewMessage.builder("x").priority(10).build(), "messages[1].priority");
        assertInvalid(NewMessage.builder("x").delayMs(-1).build(), "messages[1].delay_ms");
        assertInvalid(NewMessage.builder("x").key("").build(), "messages[1].key");
        assertInvalid(NewMessage.builder("x").key("k".repeat(257)).build(), "messages[1].key");
        assertInvalid(NewMessage.builder("x").header("bad name", "v").build(), "messages[1].headers");
        assertInvalid(NewMessage.builder("x").header("h", "line\nbreak").build(), "messages[1].headers.h");
        assertInvalid(NewMessage.builder("x").traceparent("00-abc").build(), "messages[1].traceparent");
        assertInvalid(NewMessage.builder("x").contentType("").build(), "messages[1].content_type");
        assertInvalid(NewMessage.builder("x").dedupId("d".repeat(300)).build(), "messages[1].dedup_id");
        assertInvalid(NewMessage.builder("x").ttlMs(-1).build(), "messages[1].ttl_ms");
        assertInvalid(NewMessage.builder("x").header("h", "v".repeat(70_000)).build(), "messages[1].headers");
    }

    @Test
    void shouldAcceptAWellFormedMessage() {
        NewMessage m = NewMessage.builder("x").priority(9).key("k").header("a-b.c_d", "v")
                .traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").delayMs(5).ttlMs(10)
                .dedupId("d").contentType("text/plain").build();
        Validation.messages(List.of(m), BrokerLimits.DEFAULTS, "messages");
        assertThat(Validation.messageOk(m)).isTrue();
        assertThat(m.body().key()).contains("k");
    }

    @Test
    void shouldRejectEmptyAndOversizedBatches() {
        assertThatThrownBy(() -> Validation.messages(List.of(), BrokerLimits.DEFAULTS, "messages"))
                .isInstanceOf(SpoolException.class);
        BrokerLimits small = new BrokerLimits(10, 10, 2, 10, 1000, 10, 10, 10);
        List<NewMessage> three = List.of(NewMessage.ofUtf8("a"), NewMessage.ofUtf8("b"), NewMessage.ofUtf8("c"));
        assertThatThrownBy(() -> Validation.messages(three, small, "messages"))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.field()).contains("messages"));
    }

    @Test
    void shouldValidateQueueConfigRanges() {
        assertThatThrownBy(() -> QueueConfig.DEFAULTS.withVisibilityTimeoutMs(0).validate())
                .isInstanceOfSatisfying(SpoolException.class,
                        e -> assertThat(e.field()).contains("visibility_timeout_ms"));
        assertThatThrownBy(() -> QueueConfig.DEFAULTS.withDeadLetterQueue(Optional.of("bad name")).validate())
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.field()).contains("dead_letter_queue"));
        assertThatThrownBy(() -> QueueConfig.DEFAULTS.withMaxMessageBytes((1L << 30) + 1).validate())
                .isInstanceOf(SpoolException.class);
        assertThat(QueueConfig.DEFAULTS.validate().deadLetterQueueFor("orders")).isEqualTo("orders.dlq");
    }

    @Test
    void shouldShortenDefaultDeadLetterQueueNamesToStayValid() {
        String longName = "q".repeat(128);
        String dlq = Names.defaultDeadLetterQueue(longName);
        assertThat(dlq).hasSize(128).endsWith(".dlq");
        assertThat(Names.isValid(dlq)).isTrue();
    }

    @Test
    void shouldRefuseDotAndDotDotAsQueueAndGroupNamesWhichNoHttpPathCanName() {
        for (String n : List.of(".", "..")) {
            assertThat(Names.isValid(n)).as(n).isFalse();
            assertThatThrownBy(() -> Names.checkQueue(n, "queue")).isInstanceOfSatisfying(SpoolException.class,
                    e -> assertThat(e.field()).contains("queue"));
            assertThatThrownBy(() -> Names.checkGroup(n, "group")).isInstanceOf(SpoolException.class);
            assertThatThrownBy(() -> QueueConfig.DEFAULTS.withDeadLetterQueue(Optional.of(n)).validate())
                    .isInstanceOf(SpoolException.class);
        }
        assertThat(Names.isValid("...")).isTrue();
        assertThat(Names.isValid(".a")).isTrue();
    }

    @Test
    void shouldParseStartPositions() {
        assertThat(StartPosition.parse("earliest", "start")).isEqualTo(StartPosition.EARLIEST);
        assertThat(StartPosition.parse("latest", "start")).isEqualTo(StartPosition.LATEST);
        assertThat(StartPosition.parse("1700000000000", "start")).isEqualTo(new StartPosition.At(1700000000000L));
        assertThat(StartPosition.parse("2024-01-01T00:00:00Z", "start"))
                .isEqualTo(new StartPosition.At(1704067200000L));
        assertThatThrownBy(() -> StartPosition.parse("yesterday", "start")).isInstanceOf(SpoolException.class);
    }

    @Test
    void shouldComputeBackoffDelays() {
        RetryBackoff b = new RetryBackoff(100, 1000, 2.0, false);
        assertThat(b.delayFor(1)).isEqualTo(100);
        assertThat(b.delayFor(2)).isEqualTo(200);
        assertThat(b.delayFor(4)).isEqualTo(800);
        assertThat(b.delayFor(5)).isEqualTo(1000);
        assertThat(b.delayFor(500)).isEqualTo(1000);
    }
}
