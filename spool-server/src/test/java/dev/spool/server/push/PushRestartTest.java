package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;

/** Push groups are durable: a server restarted over its journal resumes delivery and loses nothing. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PushRestartTest {

    @Test
    void shouldResumeDeliveryAfterRestartWithEveryMessageAcknowledgedOnce(@TempDir Path dir) throws Exception {
        ServerConfig c = PushFixture.config().withShutdownTimeoutMs(5_000);
        ServerConfig journal = c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
        AtomicInteger okLeft = new AtomicInteger(5);
        List<String> ids = new ArrayList<>();
        Map<String, Integer> okPerId = new ConcurrentHashMap<>();
        try (Endpoint endpoint = new Endpoint(r -> {
            if (okLeft.getAndDecrement() <= 0) {
                return Endpoint.Reply.status(503);
            }
            okPerId.merge(r.header("Spool-Message-Id"), 1, Integer::sum);
            return Endpoint.Reply.status(200);
        })) {
            try (PushFixture first = PushFixture.start(journal)) {
                first.createQueue("jobs", PushFixture.FAST_RETRY.replace("10,", "0,"));
                assertThat(first.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/in") + "\", \"start\": "
                        + "\"earliest\", \"concurrency\": 4}").status()).isEqualTo(200);
                for (int i = 0; i < 20; i++) {
                    ids.addAll(first.push("jobs", i % 2 == 0 ? "k" : null, "m" + i));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 10);
            }
            int before = endpoint.requests.size();
            endpoint.answer(r -> {
                okPerId.merge(r.header("Spool-Message-Id"), 1, Integer::sum);
                return Endpoint.Reply.status(200);
            });

            try (PushFixture second = PushFixture.start(journal)) {
                await().atMost(Duration.ofSeconds(40)).until(() -> second.pending("jobs", "hook") == 0);
                assertThat(second.getPush("jobs", "hook").get("delivery").get("delivered").asLong()).isPositive();
                for (String id : ids) {
                    assertThat(second.message("jobs", id, "hook").get("state").asText()).as(id).isEqualTo("acked");
                }
            }
            assertThat(endpoint.requests.size()).isGreaterThan(before);
            assertThat(okPerId.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(okPerId.values()).as("each message acknowledged by the endpoint exactly once").containsOnly(1);
        }
    }
}
