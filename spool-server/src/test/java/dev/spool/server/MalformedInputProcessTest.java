package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.server.hostile.ServerProcess;

/**
 * The malformed-input corpus of {@link MalformedInputTest} against a real server process with a
 * small heap ({@code -Xmx256m}, journal storage) instead of an in-process server: every case gets
 * a documented 4xx, nothing changes, the process stays up and small. Part of the hostile suite
 * ({@code dev.spool.server.hostile.HostileClientTest} has the other probes).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MalformedInputProcessTest {
    @Test
    void shouldAnswer4xxToTheWholeCorpusAndChangeNothingInAServerProcess(@TempDir Path dir) throws Exception {
        try (ServerProcess server = ServerProcess.start(dir, MalformedInputTest.VICTIM_FLAGS)) {
            ApiClient api = MalformedInputTest.victimSetup(ApiClient.remote("http://127.0.0.1:" + server.port));
            MalformedInputTest.receipt = MalformedInputTest.victimReceipt(api);
            String before = MalformedInputTest.snapshot(api);
            List<MalformedInputTest.Case> corpus = MalformedInputTest.corpus();
            List<String> failures = new ArrayList<>();
            for (MalformedInputTest.Case c : corpus) {
                ApiClient.Resp r = api.send(c.method(), c.path(),
                        c.body() == null ? null : c.body().getBytes(StandardCharsets.UTF_8), c.headers());
                String problem = MalformedInputTest.check(r);
                if (problem != null) {
                    failures.add(c + " -> " + problem);
                }
            }
            assertThat(failures).as("of %d cases", corpus.size()).isEmpty();
            assertThat(MalformedInputTest.snapshot(api)).isEqualTo(before);
            assertThat(server.process.isAlive()).isTrue();
            assertThat(api.get("/healthz").status()).isEqualTo(200);
            assertThat(server.rssBytes()).as("rss, the bound of HostileClientTest").isLessThan(512L << 20);
            assertThat(server.output()).doesNotContain(" ERROR ").doesNotContain("OutOfMemoryError");
        }
    }
}
