package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What an operator gets from {@code /metrics} and from request ids (issue 18). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ObservabilityTest {
    private static final int QUEUES = 100;
    private static final int MAX_SCRAPE_BYTES = 100 * 1024;

    @Test
    void shouldKeepTheScrapeUnder100KbWhenHundredQueuesAreUsed() {
        try (ApiClient api = ApiClient.start()) {
            for (int i = 0; i < QUEUES; i++) {
                String q = "/v1/queues/q" + i;
                api.put(q, "{}");
                api.pushJson("q" + i, "{\"n\":" + i + "}");
                api.send("POST", q + "/messages", "raw".getBytes(StandardCharsets.UTF_8), "Content-Type", "text/plain");
                JsonNode popped = api.pop("q" + i, 2);
                StringBuilder receipts = new StringBuilder();
                for (JsonNode m : popped) {
                    receipts.append(receipts.isEmpty() ? "" : ",").append('"').append(m.path("receipt").asText())
                            .append('"');
                }
                assertThat(api.post(q + "/ack", "{\"receipts\":[" + receipts + "]}").status()).isEqualTo(200);
                api.get(q);
                api.get(q + "/messages/" + "0000000000000001"); // a 404 adds a status series
            }
            api.get("/v1/queues");
            ApiClient.Resp r = api.get("/metrics");
            assertThat(r.status()).isEqualTo(200);
            String text = r.text();
            assertThat(text).contains("spool_messages_acked_total{queue=\"q99\"} 2.0");
            assertThat(r.bytes().length).as("scrape size").isLessThan(MAX_SCRAPE_BYTES);
        }
    }

    @Test
    void shouldExposeJvmAndProcessMetrics() {
        try (ApiClient api = ApiClient.start()) {
            String text = api.get("/metrics").text();
            assertThat(text).contains("jvm_memory_used_bytes{area=\"heap\"", "jvm_threads_live_threads",
                    "jvm_gc_", "process_cpu_usage", "system_cpu_count", "process_uptime_seconds",
                    "jvm_classes_loaded_classes");
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.UnixOperatingSystemMXBean) {
                assertThat(text).contains("process_files_open_files", "process_files_max_files");
            }
        }
    }
}
