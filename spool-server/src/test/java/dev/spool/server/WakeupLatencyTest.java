package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.NewMessage;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;

/**
 * Measures how long a waiting pop takes to answer once a message is pushed, on loopback: the pop
 * is a long poll on one keep-alive connection, the push comes either in-process (broker wake-up
 * plus the HTTP reply) or over a second HTTP connection (the full path). Not part of the default
 * suite (tag {@code perf}); run with
 * {@code ./mvnw -o -pl spool-server test -Dtest=WakeupLatencyTest -Dspool.excludedGroups=none}.
 *
 * <p>For the HTTP path it also splits each wake-up into three stages, timed by a broker wrapper:
 * client write to {@code broker.push} called on the event loop (socket, loop wake-up, HTTP and
 * JSON parsing), {@code broker.push} to the pop's stage completing on the engine thread (engine
 * hand-off, apply, wake the waiter), and that completion to the client having read the reply (hop
 * to the pop's event loop, rendering, write, client wake-up). Knobs: {@code -Dwakeup.eventLoops=N}
 * (default 0: Vert.x default), {@code -Dwakeup.rounds=N} (default 2000).
 */
@Tag("perf")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WakeupLatencyTest {
    private static final int WARMUP = 500;
    private static final int ROUNDS = Integer.getInteger("wakeup.rounds", 2000);
    private static volatile long pushCalled;
    private static volatile long popDone;

    @Test
    void shouldWakeWaitingPopQuicklyWhenPushed() throws Exception {
        ServerConfig d = ServerConfig.ephemeralMemory();
        ServerConfig config = d.withListener(d.listener().withEventLoops(Integer.getInteger("wakeup.eventLoops", 0)));
        EmbeddedBroker engine = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS);
        try (engine; ApiClient api = ApiClient.start(config, timed(engine));
                Socket popSock = new Socket("127.0.0.1", api.server.port());
                Socket pushSock = new Socket("127.0.0.1", api.server.port())) {
            popSock.setTcpNoDelay(true);
            pushSock.setTcpNoDelay(true);
            api.put("/v1/queues/lat", "{}");
            Conn pop = new Conn(popSock);
            Conn push = new Conn(pushSock);
            Histogram[] stages = {hist(), hist(), hist()};
            long[] gc0 = gc();
            Histogram inProcess = run(api, pop, null, stages);
            Histogram overHttp = run(api, pop, push, stages);
            long[] gc1 = gc();
            System.out.printf("JDK %s, %d cores, load average %.2f, event loops %s, GC during the runs: %d "
                    + "collections, %d ms%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    config.listener().eventLoops() == 0 ? "default" : config.listener().eventLoops(),
                    gc1[0] - gc0[0], gc1[1] - gc0[1]);
            report("in-process push -> HTTP pop reply", inProcess);
            report("HTTP push -> HTTP pop reply", overHttp);
            report("  stage 1: client write -> broker.push called", stages[0]);
            report("  stage 2: broker.push -> pop completed (engine)", stages[1]);
            report("  stage 3: pop completed -> client read reply", stages[2]);
            assertThat(inProcess.getTotalCount()).isEqualTo(ROUNDS);
            assertThat(overHttp.getTotalCount()).isEqualTo(ROUNDS);
        }
    }

    /** Collections and milliseconds spent in them so far, over every collector. */
    private static long[] gc() {
        long[] out = new long[2];
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            out[0] += Math.max(0, b.getCollectionCount());
            out[1] += Math.max(0, b.getCollectionTime());
        }
        return out;
    }

    private static Histogram hist() {
        return new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    }

    /** The broker with {@code push} calls and {@code pop} completions timestamped. */
    private static Broker timed(Broker b) {
        return (Broker) Proxy.newProxyInstance(Broker.class.getClassLoader(), new Class<?>[] {Broker.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("push")) {
                        pushCalled = System.nanoTime();
                    }
                    Object out;
                    try {
                        out = m.invoke(b, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (m.getName().equals("pop")) {
                        return ((CompletionStage<?>) out).whenComplete((v, e) -> popDone = System.nanoTime());
                    }
                    return out;
                });
    }

    private static Histogram run(ApiClient api, Conn pop, Conn push, Histogram[] stages) throws IOException {
        Histogram h = hist();
        String popReq = request("POST", "/v1/queues/lat/pop", "{\"wait_ms\":10000}");
        String pushReq = request("POST", "/v1/queues/lat/messages", "{\"messages\":[{\"payload\":1}]}");
        for (int i = 0; i < WARMUP + ROUNDS; i++) {
            pop.write(popReq);
            while (api.server.waitingRequests() == 0) {
                // yield, not spin: on a 2-core machine a spinning client takes the core the
                // server needs to register the pop
                Thread.yield();
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
                if (push != null) {
                    long called = pushCalled;
                    long done = popDone;
                    stages[0].recordValue(Math.max(0, called - t0));
                    stages[1].recordValue(Math.max(0, done - called));
                    stages[2].recordValue(Math.max(0, t1 - done));
                }
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
