package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageQuery;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.Receipts;
import dev.spool.api.TaskResult;

/** The dedup ids and the task results held have one bound over all queues; past it the oldest go first. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GlobalBoundsTest {
    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static NewMessage deduped(String id) {
        return new NewMessage(MessageBody.of(Payload.of(new byte[] {1})), 0, 0, 0, Optional.of(id));
    }

    @Test
    void shouldForgetTheOldestDedupIdsOfAnyQueuePastTheGlobalBound() {
        EmbeddedConfig config = EmbeddedConfig.memory().withMaxDedupIds(100);
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(b.putQueue("a", QueueConfig.DEFAULTS));
            get(b.putQueue("b", QueueConfig.DEFAULTS));
            long first = get(b.push("a", List.of(deduped("d0"))))[0];
            for (int i = 1; i < 300; i++) {
                get(b.push(i % 2 == 0 ? "a" : "b", List.of(deduped("d" + i))));
            }
            long last = get(b.push("b", List.of(deduped("d299"))))[0];

            int[] size = new int[1];
            get(b.onEngine(() -> size[0] = b.engine().sm.dedup.size()));
            assertThat(size[0]).isEqualTo(100);
            assertThat(get(b.push("b", List.of(deduped("d299"))))[0]).as("newest id still deduplicated")
                    .isEqualTo(last);
            assertThat(get(b.push("a", List.of(deduped("d0"))))[0]).as("oldest id forgotten early")
                    .isNotEqualTo(first);
        }
    }

    @Test
    void shouldForgetTheOldestResultsPastTheGlobalBoundCountingASharedResultOnce() {
        EmbeddedConfig config = EmbeddedConfig.memory().withMaxResultBytes(20 * 1024);
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(b.putQueue("q", QueueConfig.DEFAULTS));
            long[] ids = new long[100];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = get(b.push("q", List.of(NewMessage.of(new byte[] {(byte) i}))))[0];
                Delivery d = get(b.pop("q", new PopRequest("default", 1, 600_000, 0))).get(0);
                TaskResult r = new TaskResult(Payload.of(new byte[1024]), "application/octet-stream");
                get(b.ack("q", new AckRequest("default", Receipts.of(List.of(d)), Optional.of(r))));
            }
            long[] bytes = new long[1];
            get(b.onEngine(() -> bytes[0] = b.engine().sm.results.bytes()));

            assertThat(bytes[0]).isLessThanOrEqualTo(20 * 1024).isGreaterThan(10 * 1024);
            assertThat(get(b.getMessage("q", ids[99], MessageQuery.NOW)).result()).isPresent();
            assertThat(get(b.getMessage("q", ids[0], MessageQuery.NOW)).result()).isEmpty();

            get(b.push("q", List.of(NewMessage.of(new byte[] {1}), NewMessage.of(new byte[] {2}))));
            List<Delivery> two = get(b.pop("q", new PopRequest("default", 2, 600_000, 0)));
            TaskResult shared = new TaskResult(Payload.of(new byte[8 * 1024]), "application/octet-stream");
            get(b.ack("q", new AckRequest("default", Receipts.of(two), Optional.of(shared))));
            get(b.onEngine(() -> bytes[0] = b.engine().sm.results.bytes()));
            assertThat(get(b.getMessage("q", two.get(0).id(), MessageQuery.NOW)).result()).isPresent();
            assertThat(get(b.getMessage("q", two.get(1).id(), MessageQuery.NOW)).result()).isPresent();
            assertThat(bytes[0]).isLessThanOrEqualTo(20 * 1024);
        }
    }
}
