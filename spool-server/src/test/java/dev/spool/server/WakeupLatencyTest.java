package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.NewMessage;

/**
 * Measures how long a waiting pop takes to answer once a message is pushed, on loopback: the pop
 * is a long poll on one keep-alive connection, the push comes either in-process (broker wake-up
 * plus the HTTP reply) or over a second HTTP connection (the full path). Not part of the default
 * suite (tag {@code perf}); run with
 * {@code ./mvnw -o -pl spool-server test -Dtest=WakeupLatencyTest -Dspool.excludedGroups=none}.
 */
@Tag("perf")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WakeupLatencyTest {
    private static final int WARMUP = 500;
    private static final int ROUNDS = 2000;

    @Test
    void shouldWakeWaitingPopQuicklyWhenPushed() throws Exception {
        try (ApiClient api = ApiClient.start();
                Socket popSock = new Socket("127.0.0.1", api.server.port());
                Socket pushSock = new Socket("127.0.0.1", api.server.port())) {
            popSock.setTcpNoDelay(true);
            pushSock.setTcpNoDelay(true);
            api.put("/v1/queues/lat", "{}");
            Conn pop = new Conn(popSock);
            Conn push = new Conn(pushSock);
            Histogram inProcess = run(api, pop, null);
            Histogram overHttp = run(api, pop, push);
            report("in-process push -> HTTP pop reply", inProcess);
            report("HTTP push -> HTTP pop reply", overHttp);
            assertThat(inProcess.getTotalCount()).isEqualTo(ROUNDS);
        }
    }

    private static Histogram run(ApiClient api, Conn pop, Conn push) throws IOException {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        String popReq = request("POST", "/v1/queues/lat/pop", "{\"wait_ms\":10000}");
        String pushReq = request("POST", "/v1/queues/lat/messages", "{\"messages\":[{\"payload\":1}]}");
        for (int i = 0; i < WARMUP + ROUNDS; i++) {
            pop.write(popReq);
            while (api.server.waitingRequests() == 0) {
                Thread.onSpinWait();
            }
            // The request is counted before the engine registers the waiter: give it a moment so
            // the push really wakes a waiter instead of finding the pop still on its way.
            LockSupport.parkNanos(500_000);
            long t0 = System.nanoTime();
            if (push == null) {
                api.server.broker().push("lat", List.of(NewMessage.ofUtf8("x")));
            } else {
                push.write(pushReq);
            }
            String reply = pop.readResponse();
            long t1 = System.nanoTime();
            if (push != null) {
                push.readResponse();
            }
            if (!reply.contains("\"receipt\"")) {
                throw new IllegalStateException("pop returned no message: " + reply);
            }
            if (i >= WARMUP) {
                h.recordValue(t1 - t0);
            }
        }
        return h;
    }

    private static void report(String what, Histogram h) {
        System.out.printf("%s over %d wake-ups: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms%n", what,
                h.getTotalCount(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }

    private static String request(String method, String path, String json) {
        return method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
    }

    /** A minimal blocking HTTP/1.1 keep-alive connection (Content-Length replies only). */
    static final class Conn {
        private final OutputStream out;
        private final InputStream in;

        Conn(Socket s) throws IOException {
            s.setSoTimeout(30_000);
            this.out = s.getOutputStream();
            this.in = new BufferedInputStream(s.getInputStream());
        }

        void write(String req) throws IOException {
            out.write(req.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String readResponse() throws IOException {
            StringBuilder head = new StringBuilder();
            int length = 0;
            String line;
            while (!(line = readLine()).isEmpty()) {
                head.append(line).append('\n');
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }
}
