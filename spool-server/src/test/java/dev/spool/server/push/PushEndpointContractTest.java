package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.ServerConfig;

/**
 * What an endpoint can rely on: per-key order, the concurrency cap, the rate limit, Standard Webhooks
 * signatures it can verify on its own, and large payloads arriving byte for byte.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PushEndpointContractTest {
    private PushFixture spool;
    private Endpoint endpoint;

    @AfterEach
    void stop() {
        if (spool != null) {
            spool.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private void start(ServerConfig config, String hookExtra) {
        spool = PushFixture.start(config);
        spool.createQueue("jobs", PushFixture.FAST_RETRY);
        Http.Reply r = spool.putPush("jobs", "hook", "{\"url\": \"" + endpoint.url("/in") + "\"" + hookExtra + "}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
    }

    @Test
    void shouldDeliverMessagesOfAKeyInPushOrderWhileOtherKeysRunInParallel() throws Exception {
        endpoint = new Endpoint(r -> new Endpoint.Reply(r.seq() % 7 == 0 ? 503 : 200, "", Map.of(), r.seq() % 3 * 5L));
        start(PushFixture.config(), ", \"concurrency\": 8");
        List<String> expectedA = new ArrayList<>();
        List<String> expectedB = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            spool.push("jobs", "a", "a" + i);
            spool.push("jobs", "b", "b" + i);
            expectedA.add("\"a" + i + "\"");
            expectedB.add("\"b" + i + "\"");
        }

        await().atMost(Duration.ofSeconds(40)).until(() -> spool.pending("jobs", "hook") == 0);

        assertThat(acked("a")).isEqualTo(expectedA);
        assertThat(acked("b")).isEqualTo(expectedB);
        assertThat(endpoint.requests).filteredOn(r -> r.header("Spool-Key") == null).isEmpty();
    }

    /** Payloads of a key in the order the endpoint answered them 2xx (seq 7, 14, ... got 503). */
    private List<String> acked(String key) {
        List<String> out = new ArrayList<>();
        for (Endpoint.Request r : endpoint.requests.stream().sorted((x, y) -> Integer.compare(x.seq(), y.seq())).toList()) {
            if (key.equals(r.header("Spool-Key")) && r.seq() % 7 != 0) {
                out.add(r.text());
            }
        }
        return out;
    }

    @Test
    void shouldNeverHoldMoreRequestsThanTheConcurrencyCap() throws Exception {
        endpoint = new Endpoint(r -> new Endpoint.Reply(200, "", Map.of(), 40));
        start(PushFixture.config(), ", \"concurrency\": 3");
        String[] payloads = new String[30];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = "m" + i;
        }

        spool.push("jobs", null, payloads);

        await().atMost(Duration.ofSeconds(30)).until(() -> spool.pending("jobs", "hook") == 0);
        assertThat(endpoint.requests).hasSize(30);
        assertThat(endpoint.maxConcurrent.get()).isEqualTo(3);
    }

    @Test
    void shouldStartAtMostRateLimitRequestsPerSecond() throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(200));
        start(PushFixture.config(), ", \"rate_limit\": 10, \"concurrency\": 50");
        String[] payloads = new String[25];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = "m" + i;
        }

        spool.push("jobs", null, payloads);

        await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.requests.size() == 25);
        List<Long> at = endpoint.requests.stream().map(Endpoint.Request::atNanos).sorted().toList();
        long spanMs = (at.get(24) - at.get(0)) / 1_000_000;
        // a bucket of 10 per second, starting with one token: 24 more need at least 2.3 s
        assertThat(spanMs).isGreaterThanOrEqualTo(2_000);
    }

    @Test
    void shouldSignEveryRequestWithEachSecretAsStandardWebhooksDefines() throws Exception {
        byte[] oldKey = new byte[32];
        byte[] newKey = new byte[24];
        new SecureRandom().nextBytes(oldKey);
        new SecureRandom().nextBytes(newKey);
        String oldSecret = "whsec_" + Base64.getEncoder().encodeToString(oldKey);
        String newSecret = "whsec_" + Base64.getEncoder().encodeToString(newKey);
        endpoint = new Endpoint(r -> Endpoint.Reply.status(200));
        start(PushFixture.config(), ", \"secrets\": [\"" + oldSecret + "\", \"" + newSecret + "\"]");

        String id = spool.push("jobs", null, "{\"deploy\": \"fw-7\"}").get(0);

        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.requests.size() == 1);
        Endpoint.Request r = endpoint.requests.get(0);
        String msgId = r.header("webhook-id");
        String timestamp = r.header("webhook-timestamp");
        assertThat(msgId).isEqualTo(id);
        assertThat(Long.parseLong(timestamp)).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.api.Assertions
                .within(60L));
        String[] sigs = r.header("webhook-signature").split(" ");
        assertThat(sigs).containsExactlyInAnyOrder(expected(oldSecret, msgId, timestamp, r.body()),
                expected(newSecret, msgId, timestamp, r.body()));
        assertThat(spool.getPush("jobs", "hook").get("config").get("secret_count").asInt()).isEqualTo(2);
        assertThat(spool.getPush("jobs", "hook").toString()).doesNotContain(oldSecret.substring(6))
                .doesNotContain(newSecret.substring(6));
    }

    /** The Standard Webhooks rule, written from the specification: v1,base64(HMAC-SHA256(key, id.ts.body)). */
    private static String expected(String secret, String id, String timestamp, byte[] body) throws Exception {
        byte[] key = Base64.getDecoder().decode(secret.substring(secret.indexOf('_') + 1));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    @Test
    void shouldDeliverTenMebibytePayloadsByteExactFromTheJournal(@TempDir Path dir) throws Exception {
        endpoint = new Endpoint(r -> Endpoint.Reply.status(200));
        ServerConfig c = PushFixture.config();
        start(c.withStorage(c.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir)),
                ", \"concurrency\": 4, \"timeout_ms\": 30000");
        List<String> shas = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] payload = new byte[10 << 20];
            new SecureRandom().nextBytes(payload);
            shas.add(HexFormat.of().formatHex(Endpoint.sha().digest(payload)));
            assertThat(Http.sendBytes(spool.url("/v1/queues/jobs/messages"), payload, "application/octet-stream", null)
                    .status()).isEqualTo(200);
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> spool.pending("jobs", "hook") == 0);

        assertThat(endpoint.requests).extracting(Endpoint.Request::sha256).containsExactlyInAnyOrderElementsOf(shas);
        assertThat(endpoint.requests).allSatisfy(r -> {
            assertThat(r.size()).isEqualTo(10 << 20);
            assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
        });
    }
}
