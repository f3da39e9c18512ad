package dev.spool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Spool end to end against the floor, in one run on one PostgreSQL: first {@link PostgresFloorTest}'s
 * leanest possible queue (JDBC from this JVM), then {@link PostgresThroughputTest}'s loop through
 * two server processes, back to back, so that both see the same machine and the same load. Prints
 * both rates, their ratio (the issue 12 target: at least 0.8) and where the CPU went per acked
 * message: PostgreSQL (postmaster and backends), the two servers, the clients (this JVM). A
 * measurement, not a check (tag {@code perf}):
 *
 * <pre>
 * ./mvnw -o -pl spool-it -am verify -Dspool.excludedGroups=none -Dtest=PostgresFloorRatioTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dspool.it.seconds=20] [-Dspool.it.producers=4] [-Dspool.it.consumers=6] \
 *     [-Dspool.it.floorProducers=4] [-Dspool.it.floorConsumers=4] [-Dspool.it.poolSize=8]
 * </pre>
 *
 * Spool's producers and consumers are threads per server; the floor's are in total.
 */
@Tag("perf")
class PostgresFloorRatioTest {

    @Test
    void spoolAgainstTheFloorInOneRun() throws Exception {
        int seconds = Integer.getInteger("spool.it.seconds", 20);
        int producers = Integer.getInteger("spool.it.producers", 4);
        int consumers = Integer.getInteger("spool.it.consumers", 6);
        int floorProducers = Integer.getInteger("spool.it.floorProducers", 4);
        int floorConsumers = Integer.getInteger("spool.it.floorConsumers", 4);
        int poolSize = Integer.getInteger("spool.it.poolSize", 8);
        try (Pg pg = Pg.start(true, Map.of())) {
            LoopFigures floor = PostgresFloorTest.measure(pg, floorProducers, floorConsumers, 5, seconds);
            LoopFigures spool;
            String url = pg.newDatabase("bench") + "?pool_size=" + poolSize;
            try (ServerProcess a = ServerProcess.launch("bench-a", url);
                    ServerProcess b = ServerProcess.launch("bench-b", url)) {
                a.awaitReady(Duration.ofSeconds(60));
                b.awaitReady(Duration.ofSeconds(60));
                new Api(a, Duration.ofSeconds(10)).putQueue("bench", Map.of("visibility_timeout_ms", 60_000));
                spool = PostgresThroughputTest.run(pg.pid(), List.of(a, b), producers, consumers, 25, seconds);
            }
            System.out.printf("floor (%d + %d JDBC threads): %.0f msg/s acked; Spool end to end (2 servers, %d + %d "
                    + "threads per server, pool_size %d): %.0f msg/s acked; ratio %.2f%n", floorProducers,
                    floorConsumers, floor.rate(), producers, consumers, poolSize, spool.rate(),
                    spool.rate() / floor.rate());
            System.out.printf("CPU per acked message (us)   PostgreSQL   servers   clients   total%n");
            for (var row : List.of(Map.entry("floor", floor), Map.entry("Spool", spool))) {
                LoopFigures f = row.getValue();
                System.out.printf("  %-26s %10.1f %9.1f %9.1f %7.1f   (%.2f cores busy)%n", row.getKey(),
                        f.perMessageUs(f.pgCpu()), f.perMessageUs(f.serverCpu()), f.perMessageUs(f.clientCpu()),
                        f.perMessageUs(f.totalCpu()), f.totalCpu() / f.seconds());
            }
            assertThat(floor.acked()).isPositive();
            assertThat(spool.acked()).isPositive();
        }
    }
}
