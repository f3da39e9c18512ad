package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the server promises appears in {@code GET /metrics} with the value the traffic
 * before the scrape implies: queue depth by state and group, message counters (HTTP, raw, stream
 * and transaction paths), request latency histograms, and journal fsync latency.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsTest {

    @Test
    void shouldReportDepthCountersLatencyAndFsyncOfAJournalServer(@TempDir Path dir) throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        try (ApiClient api = ApiClient.start(d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL)
                .withDataDir(dir)))) {
            api.put("/v1/queues/m", "{\"max_attempts\":1}");
            api.put("/v1/queues/m/groups/audit", "{\"start\":\"earliest\"}");
            api.post("/v1/queues/m/messages", "{\"messages\":[{\"payload\":1},{\"payload\":2},{\"payload\":3},"
                    + "{\"payload\":4},{\"payload\":5,\"delay_ms\":600000}]}");
            api.send("POST", "/v1/queues/m/messages", "raw".getBytes(), "Content-Type", "text/plain");
            JsonNode popped = api.pop("m", 3);
            api.post("/v1/queues/m/ack", receipts(popped.get(0)));
            api.post("/v1/queues/m/nack", receipts(popped.get(1)));
            api.send("POST", "/v1/queues/m/pop", null, "Accept", "application/octet-stream");
            String txReceipt = api.pop("m", 1).get(0).path("receipt").asText();
            ApiClient.Resp tx = api.post("/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"m\",\"messages\":"
                    + "[{\"payload\":6}]},{\"op\":\"ack\",\"queue\":\"m\",\"receipts\":[\"" + txReceipt + "\"]}]}");
            assertThat(tx.status()).as(tx.toString()).isEqualTo(200);
            try (StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
                ws.send("{\"op\":\"push\",\"req\":1,\"queue\":\"m\",\"messages\":[{\"payload\":7}]}");
                assertThat(ws.next().path("op").asText()).isEqualTo("ok");
            }

            ApiClient.Resp r = api.get("/metrics");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
            Scrape s = new Scrape(r.text());
            // pushed: 5 JSON + 1 raw + 1 in the tx + 1 on the stream
            assertThat(s.value("spool_messages_pushed_total", "queue=\"m\"")).isEqualTo(8);
            // popped: 3 JSON + 1 raw + 1 before the tx
            assertThat(s.value("spool_messages_popped_total", "queue=\"m\"")).isEqualTo(5);
            assertThat(s.value("spool_messages_acked_total", "queue=\"m\"")).isEqualTo(2);
            assertThat(s.value("spool_messages_nacked_total", "queue=\"m\"")).isEqualTo(1);
            // default group: 8 pushed, 2 acked, 1 dead (nacked at max_attempts 1), 1 delayed,
            // in flight: popped[2] and the raw pop; ready: the other 2
            String dflt = "group=\"default\",queue=\"m\"";
            assertThat(s.value("spool_queue_ready", dflt)).isEqualTo(2);
            assertThat(s.value("spool_queue_delayed", dflt)).isEqualTo(1);
            assertThat(s.value("spool_queue_in_flight", dflt)).isEqualTo(2);
            assertThat(s.value("spool_queue_dead", dflt)).isEqualTo(1);
            assertThat(s.value("spool_queue_oldest_ready_age_ms", dflt)).isGreaterThanOrEqualTo(0);
            String audit = "group=\"audit\",queue=\"m\"";
            assertThat(s.value("spool_queue_ready", audit)).isEqualTo(7);
            assertThat(s.value("spool_queue_delayed", audit)).isEqualTo(1);
            assertThat(s.value("spool_queue_in_flight", audit)).isZero();

            String pushRoute = "method=\"POST\",route=\"/v1/queues/:q/messages\",status=\"200\"";
            assertThat(s.value("spool_http_requests_seconds_count", pushRoute)).isEqualTo(2);
            assertThat(s.value("spool_http_requests_seconds_bucket", pushRoute, "le=\"+Inf\"")).isEqualTo(2);
            assertThat(s.value("spool_http_requests_seconds_count",
                    "method=\"POST\",route=\"/v1/tx\",status=\"200\"")).isEqualTo(1);
            assertThat(s.value("spool_http_requests_seconds_sum", pushRoute)).isPositive();

            assertThat(s.value("spool_storage_sync_seconds_count")).isPositive();
            assertThat(s.value("spool_storage_sync_seconds_bucket", "le=\"+Inf\"")).isPositive();
            assertThat(s.value("spool_storage_sync_seconds_max")).isPositive();
            assertThat(s.value("spool_storage_sync_bytes_total")).isPositive();
            assertThat(s.value("spool_http_connections")).isGreaterThanOrEqualTo(1);

            assertThat(api.delete("/v1/queues/m").status()).isEqualTo(204);
            String after = api.get("/metrics").text();
            assertThat(after).doesNotContain("queue=\"m\"");
        }
    }

    private static String receipts(JsonNode message) {
        return "{\"receipts\":[\"" + message.path("receipt").asText() + "\"]}";
    }

    /** Samples of a Prometheus text exposition. */
    record Scrape(String text) {
        /** The value of the one sample of {@code name} whose labels contain every fragment. */
        double value(String name, String... labelFragments) {
            List<Double> found = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                String labels = line.substring(name.length(), space);
                boolean all = true;
                for (String f : labelFragments) {
                    all &= labels.contains(f);
                }
                if (all) {
                    found.add(Double.parseDouble(line.substring(space + 1)));
                }
            }
            assertThat(found).as("samples of %s with %s in:%n%s", name, List.of(labelFragments), text).hasSize(1);
            return found.get(0);
        }
    }
}
