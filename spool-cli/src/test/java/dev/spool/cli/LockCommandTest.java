package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.cli.CliHarness.Result;

/** {@code spool lock ...} in-process against a real server: outputs, JSON documents and exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockCommandTest {
    @RegisterExtension
    static final CliServer CLI = new CliServer();

    private static Result spool(String... args) {
        return CLI.run(args);
    }

    private static JsonNode json(Result r) throws Exception {
        return CliServer.json(r);
    }

    @Test
    void shouldAcquireShowKeepAliveAndReleaseWithPrintedLease() throws Exception {
        Result text = spool("lock", "acquire", "job", "--owner", "cli", "--ttl-ms", "60000");
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out()).containsPattern("lease_id\\s+\\S+").containsPattern("token\\s+\\d+");

        Result held = spool("lock", "acquire", "job", "--owner", "other");
        assertThat(held.code()).as(held.toString()).isEqualTo(22);
        assertThat(held.err()).contains("lock_held").contains("cli");

        JsonNode lease = json(spool("lock", "acquire", "job2", "--owner", "cli", "--json"));
        String id = lease.path("lease_id").asText();
        String token = lease.path("token").asText();
        assertThat(id).isNotEmpty();

        JsonNode kept = json(spool("lock", "keepalive", "job2", "--lease-id", id, "--token", token, "--ttl-ms",
                "120000", "--json"));
        assertThat(kept.path("expires_at").asLong()).isGreaterThan(lease.path("expires_at").asLong());

        JsonNode shown = json(spool("lock", "show", "job2", "--json"));
        assertThat(shown.path("holder").path("owner").asText()).isEqualTo("cli");
        assertThat(shown.toString()).doesNotContain(id);
        assertThat(spool("lock", "show", "job2").out()).containsPattern("holder\\s+cli");

        Result list = spool("lock", "list", "--prefix", "job");
        assertThat(list.out()).containsPattern("(?m)^job\\s+cli\\s+\\d+").containsPattern("(?m)^job2\\s+cli");
        assertThat(json(spool("lock", "list", "--json", "--limit", "1")).path("next_after").asText()).isEqualTo("job");

        Result stale = spool("lock", "release", "job2", "--lease-id", id, "--token", "999");
        assertThat(stale.code()).as(stale.toString()).isEqualTo(32);
        assertThat(spool("lock", "release", "job2", "--lease-id", id, "--token", token).code()).isZero();
        assertThat(json(spool("lock", "show", "job2", "--json")).path("holder").isNull()).isTrue();
        assertThat(spool("lock", "show", "never").code()).isEqualTo(19);
        assertThat(spool("lock", "release", "job2", "--lease-id", id).code()).isEqualTo(2);
    }

    @Test
    void shouldPutGetAndDeleteStateWithVersions(@TempDir Path dir) throws Exception {
        JsonNode lease = json(spool("lock", "acquire", "doc", "--json"));
        String[] fence = {"--lease-id", lease.path("lease_id").asText(), "--token", lease.path("token").asText()};

        Result put = spool(concat(new String[] {"lock", "state", "put", "doc", "{\"n\":1}", "--if-version", "0"}, fence));
        assertThat(put.code()).as(put.toString()).isZero();
        assertThat(put.out()).containsPattern("version\\s+1").contains("application/json");
        assertThat(spool("lock", "state", "get", "doc").out().strip()).isEqualTo("{\"n\":1}");
        JsonNode got = json(spool("lock", "state", "get", "doc", "--json"));
        assertThat(got.path("payload").path("n").asInt()).isEqualTo(1);
        assertThat(got.path("version").asLong()).isEqualTo(1);

        Result mismatch = spool(concat(new String[] {"lock", "state", "put", "doc", "x", "--if-version", "0"}, fence));
        assertThat(mismatch.code()).as(mismatch.toString()).isEqualTo(23);

        Path file = dir.resolve("blob.bin");
        Files.write(file, new byte[] {1, 2, 3, 0, 4});
        JsonNode fromFile = json(spool(concat(new String[] {"lock", "state", "put", "doc", "--file", file.toString(),
            "--json"}, fence)));
        assertThat(fromFile.path("version").asLong()).isEqualTo(2);
        assertThat(fromFile.path("content_type").asText()).isEqualTo("application/octet-stream");
        Path out = dir.resolve("out.bin");
        assertThat(spool("lock", "state", "get", "doc", "--output", out.toString()).code()).isZero();
        assertThat(Files.readAllBytes(out)).containsExactly(1, 2, 3, 0, 4);
        assertThat(spool("lock", "state", "get", "doc").out()).startsWith("base64:");

        assertThat(spool(concat(new String[] {"lock", "state", "delete", "doc"}, fence)).code()).isZero();
        assertThat(spool("lock", "state", "get", "doc").code()).isEqualTo(15);
        assertThat(spool(concat(new String[] {"lock", "state", "put", "doc"}, fence)).code()).isEqualTo(2);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
