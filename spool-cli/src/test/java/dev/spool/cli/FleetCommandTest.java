package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.cli.CliHarness.Result;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;
import dev.spool.server.push.PushSettings;

/** {@code spool fleet status}: a fleet push followed to the end, as a progress bar and as JSON. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SpoolServer server;
    private static HttpServer endpoint;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig c = ServerConfig.ephemeralMemory();
        server = SpoolServer.start(c.withPush(PushSettings.DEFAULTS.withAllow(List.of("127.0.0.1"))))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        endpoint.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            // a slow device: the fleet takes a few polls to finish
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        endpoint.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        endpoint.stop(0);
    }

    private static String createFleet(int n) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("payload", "v2").put("concurrency", 2);
        ArrayNode urls = body.putArray("endpoints");
        for (int i = 0; i < n; i++) {
            urls.add("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/d/" + i);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url()
                + "/v1/fleets")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).get("id").asText();
    }

    @Test
    void shouldFollowAFleetToTheEndWithAProgressBar() throws Exception {
        String id = createFleet(10);

        Result r = CliHarness.run("fleet", "status", id, "--url", server.url(), "--interval-ms", "100");

        assertThat(r.code()).as(r.toString()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines[lines.length - 1]).isEqualTo("[##############################] 100.0%  10/10 delivered  "
                + "0 failed  0 in flight  0 pending  0 retrying  done");
    }

    @Test
    void shouldDrawAPartialBarWhileRunning() throws Exception {
        JsonNode running = JSON.readTree("{\"state\": \"running\", \"percent\": 45.0, \"counts\": {\"total\": 100, "
                + "\"delivered\": 44, \"failed\": 1, \"in_flight\": 3, \"pending\": 50, \"retrying\": 2, "
                + "\"canceled\": 0}}");

        assertThat(FleetCommand.line(running)).isEqualTo("[##############................]  45.0%  44/100 delivered  "
                + "1 failed  3 in flight  50 pending  2 retrying  running");
    }

    @Test
    void shouldPrintTheServersDocumentWithJson() throws Exception {
        String id = createFleet(3);

        Result r = CliHarness.run("fleet", "status", id, "--url", server.url(), "--once", "--json");

        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.get("id").asText()).isEqualTo(id);
        assertThat(doc.get("counts").get("total").asInt()).isEqualTo(3);
        Result missing = CliHarness.run("fleet", "status", "0123456789abcdef", "--url", server.url(), "--once");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("no fleet");
    }
}
