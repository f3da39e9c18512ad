package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;

/**
 * What a push request carries besides the payload: the message's application headers
 * ({@code Spool-Header-<name>}), its tracestate, and the same {@code webhook-id} /
 * {@code Spool-Message-Id} on a retry made by a restarted server.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PushForwardingTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void shouldForwardTheMessagesHeadersWithTheSpoolHeaderPrefix() throws Exception {
        try (PushFixture spool = PushFixture.start(PushFixture.config());
                Endpoint endpoint = new Endpoint(r -> Endpoint.Reply.status(200))) {
            spool.createQueue("jobs", PushFixture.FAST_RETRY);
            assertThat(spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/in") + "\", \"start\": "
                    + "\"earliest\", \"headers\": {\"X-Tenant\": \"7\"}}").status()).isEqualTo(200);
            String body = "{\"messages\": [{\"payload\": \"x\", \"headers\": {\"region\": \"eu-west\", "
                    + "\"note\": \"caf\u00e9 100%\"}, \"traceparent\": \"" + TRACEPARENT + "\", \"tracestate\": "
                    + "\"vendor=abc\"}]}";
            assertThat(Http.send("POST", spool.url("/v1/queues/jobs/messages"), body).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() == 1);

            Endpoint.Request r = endpoint.requests.get(0);
            assertThat(r.header("Spool-Header-region")).isEqualTo("eu-west");
            assertThat(r.header("Spool-Header-note")).isEqualTo("caf%C3%A9 100%25");
            assertThat(r.header("Spool-Encoded")).isEqualTo("spool-header-note");
            assertThat(r.header("traceparent")).isEqualTo(TRACEPARENT);
            assertThat(r.header("tracestate")).isEqualTo("vendor=abc");
            assertThat(r.header("X-Tenant")).as("the group's own headers too").isEqualTo("7");
        }
    }

    @Test
    void shouldCarryTheSameWebhookIdWhenARestartedServerRetries(@TempDir Path dir) throws Exception {
        ServerConfig c = PushFixture.config().withShutdownTimeoutMs(5_000);
        ServerConfig journal = c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
        AtomicBoolean up = new AtomicBoolean(false);
        try (Endpoint endpoint = new Endpoint(r -> Endpoint.Reply.status(up.get() ? 200 : 503))) {
            List<String> ids;
            try (PushFixture first = PushFixture.start(journal)) {
                first.createQueue("jobs", PushFixture.FAST_RETRY.replace("10,", "0,"));
                assertThat(first.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/in") + "\", \"start\": "
                        + "\"earliest\", \"secrets\": [\"" + SECRET + "\"]}").status()).isEqualTo(200);
                ids = first.push("jobs", null, "a", "b");
                await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() >= 4);
            }
            int before = endpoint.requests.size();
            up.set(true);
            try (PushFixture second = PushFixture.start(journal)) {
                await().atMost(Duration.ofSeconds(40)).until(() -> second.pending("jobs", "hook") == 0);
            }
            assertThat(endpoint.requests.size()).isGreaterThan(before);
            for (String id : ids) {
                List<Endpoint.Request> of = endpoint.requests.stream()
                        .filter(r -> r.header("Spool-Message-Id").equals(id)).toList();
                assertThat(of.size()).as(id).isGreaterThanOrEqualTo(2);
                assertThat(of).extracting(r -> r.header("webhook-id")).as(id).containsOnly(id);
                assertThat(of.get(of.size() - 1).seq()).as("answered 2xx after the restart").isGreaterThan(before);
            }
        }
    }
}
