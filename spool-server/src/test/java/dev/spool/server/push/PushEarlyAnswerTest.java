package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import dev.spool.server.ServerConfig;

/**
 * Endpoints that answer as soon as they have read Content-Length bytes (the JDK's HTTP server does)
 * over kept-alive connections, with payloads streamed from the journal: every answer goes to its
 * own request. Each endpoint answers by the payload's first byte (0: 200, 1: 410), so a misfiled
 * answer would ack a message that should be dead or the reverse; and Vert.x must never report an
 * answer "with no request in progress" (it did before the stream of a payload ended together with
 * its last chunk: 138 such reports in the full form, none since). The full form (100 endpoints, 3
 * messages of 10 MiB each, concurrency 20, a few minutes) is the one that showed it:
 * {@code ./mvnw -o -pl spool-server -am test -Dtest=PushEarlyAnswerTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dspool.test.pushEarlyFull=true}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PushEarlyAnswerTest {
    private static final boolean FULL = Boolean.getBoolean("spool.test.pushEarlyFull");
    private static final int GROUPS = FULL ? 100 : 10;
    private static final int MESSAGES = FULL ? 3 : 6;
    private static final int SIZE = FULL ? 10 << 20 : 4 << 20;
    private static final int CONCURRENCY = FULL ? 20 : 4;

    @Test
    void shouldFileEveryAnswerWithItsOwnRequest(@TempDir Path dir) throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(log);
        List<Endpoint> endpoints = new ArrayList<>();
        ServerConfig c = PushFixture.config();
        try (PushFixture spool = PushFixture.start(c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL)
                .withDataDir(dir)))) {
            spool.createQueue("fw", "{\"max_attempts\": 1, \"max_message_bytes\": " + SIZE + "}");
            for (int g = 0; g < GROUPS; g++) {
                Endpoint e = new Endpoint(r -> Endpoint.Reply.status(r.body()[0] == 0 ? 200 : 410));
                endpoints.add(e);
                assertThat(spool.putPush("fw", "g" + g, "{\"url\": \"" + e.url("/in") + "\", \"start\": \"earliest\", "
                        + "\"concurrency\": " + CONCURRENCY + ", \"timeout_ms\": 600000}").status()).isEqualTo(200);
            }
            List<String> ids = new ArrayList<>();
            for (int m = 0; m < MESSAGES; m++) {
                byte[] payload = new byte[SIZE];
                payload[0] = (byte) (m % 2);
                payload[payload.length - 1] = (byte) m;
                Http.Reply r = Http.sendBytes(spool.url("/v1/queues/fw/messages"), payload, "application/octet-stream",
                        null);
                assertThat(r.status()).isEqualTo(200);
                ids.add(r.json().get("ids").get(0).asText());
            }

            await().atMost(Duration.ofMinutes(FULL ? 8 : 2)).until(() -> endpoints.stream()
                    .mapToInt(e -> e.requests.size()).sum() == GROUPS * MESSAGES);
            for (int g = 0; g < GROUPS; g++) {
                String group = "g" + g;
                await().atMost(Duration.ofSeconds(30)).until(() -> spool.pending("fw", group) == 0);
                for (int m = 0; m < MESSAGES; m++) {
                    assertThat(spool.message("fw", ids.get(m), group).get("state").asText()).as(group + " " + m)
                            .isEqualTo(m % 2 == 0 ? "acked" : "dead");
                }
            }
            assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(s -> s.contains("no request in progress"));
        } finally {
            root.detachAppender(log);
            endpoints.forEach(Endpoint::close);
        }
    }
}
