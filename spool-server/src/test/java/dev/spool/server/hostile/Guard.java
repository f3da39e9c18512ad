package dev.spool.server.hostile;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The honest client beside the hostile ones: every {@link #PERIOD_MS} it checks {@code /healthz},
 * pushes a fresh payload to the queue {@code guard}, pops it back, compares it and acks it. Any
 * failure, wrong answer or 5xx is recorded; a {@code 429} (the body budget full) is retried and
 * counted, since it is the documented answer to overload.
 */
final class Guard implements AutoCloseable {
    static final long PERIOD_MS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerProcess server;
    final List<String> failures = new CopyOnWriteArrayList<>();
    final AtomicLong rounds = new AtomicLong();
    final AtomicLong throttled = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    Guard(ServerProcess server) {
        this.server = server;
        this.thread = new Thread(this::loop, "guard");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!stop) {
            String problem = roundTrip(server, "guard");
            if (problem == null) {
                rounds.incrementAndGet();
            } else if (problem.startsWith("429")) {
                throttled.incrementAndGet();
            } else if (!stop) { // close() interrupts a round trip in flight: that is not the server's fault
                failures.add(problem);
            }
            try {
                Thread.sleep(PERIOD_MS); // a pacing interval, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One health check and round trip through {@code queue}; null when all was right, else what
     * went wrong. Each caller uses its own queue, so concurrent round trips do not pop each other's
     * messages.
     */
    static String roundTrip(ServerProcess server, String queue) {
        try {
            HttpResponse<byte[]> h = server.send("GET", "/healthz", null, null);
            if (h.statusCode() != 200) {
                return "healthz " + h.statusCode();
            }
            String token = UUID.randomUUID().toString();
            byte[] body = ("{\"messages\":[{\"payload\":{\"t\":\"" + token + "\"}}]}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> push = server.send("POST", "/v1/queues/" + queue + "/messages", "application/json", body);
            if (push.statusCode() != 200) {
                return push.statusCode() + " on push: " + new String(push.body(), StandardCharsets.UTF_8);
            }
            String id = JSON.readTree(push.body()).path("ids").get(0).asText();
            HttpResponse<byte[]> pop = server.send("POST", "/v1/queues/" + queue + "/pop", "application/json",
                    "{\"max\":1,\"wait_ms\":2000}".getBytes(StandardCharsets.UTF_8));
            if (pop.statusCode() != 200) {
                return pop.statusCode() + " on pop: " + new String(pop.body(), StandardCharsets.UTF_8);
            }
            JsonNode m = JSON.readTree(pop.body()).path("messages").path(0);
            if (!id.equals(m.path("id").asText()) || !token.equals(m.path("payload").path("t").asText())) {
                return "pop returned " + new String(pop.body(), StandardCharsets.UTF_8) + " for " + id;
            }
            HttpResponse<byte[]> ack = server.send("POST", "/v1/queues/" + queue + "/ack", "application/json",
                    ("{\"receipts\":[\"" + m.path("receipt").asText() + "\"]}").getBytes(StandardCharsets.UTF_8));
            if (ack.statusCode() != 200 || !"ok".equals(JSON.readTree(ack.body()).path("results").path(0)
                    .path("status").asText())) {
                return ack.statusCode() + " on ack: " + new String(ack.body(), StandardCharsets.UTF_8);
            }
            return null;
        } catch (Exception e) {
            return "guard failed: " + e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(15_000);
    }
}
