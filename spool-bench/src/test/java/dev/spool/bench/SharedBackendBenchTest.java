package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * With a {@code postgresql://} storage the bench runs two servers over the one database, producers
 * on one and consumers on the other, and audits every message across them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SharedBackendBenchTest {

    @Test
    void shouldRunLockdOverTwoServersSharingOnePostgresDatabase() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off").start()) {
            String url = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
            BenchCommandTest.Outcome o = BenchCommandTest.bench("lockd", "--warmup", "0", "--storage", url,
                    "--duration", "1.5", "--producers", "4", "--consumers", "4", "--no-progress");
            assertThat(o.result()).as("RESULT line in:%n%s%n%s", o.out(), o.err()).isNotEmpty();
            assertThat(o.exit()).as(o.out()).isZero();
            assertThat(o.out()).contains("2 in-process servers over one postgresql database");
            assertThat(o.num("lost")).isZero();
            assertThat(o.num("duplicated")).isZero();
            assertThat(o.num("errors")).as(o.out()).isZero();
            assertThat(o.num("delivered")).isPositive();
        }
    }
}
