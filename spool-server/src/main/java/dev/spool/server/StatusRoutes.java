package dev.spool.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Health;

/**
 * {@code GET /v1/status}: what an operator (and the dashboard) wants on one screen that the other
 * endpoints do not say: the server's version and uptime, the storage (kind, readiness, fsync
 * policy, sync latency so far and, for the journal, its segment count and the bytes of its segments and snapshots), open
 * connections, and the message counters per queue (the same figures as {@code /metrics}, as JSON,
 * so a client can compute push and ack rates from two readings).
 *
 * <p>The journal's directory is listed on a worker thread, never on the event loop.
 */
final class StatusRoutes {
    static final String PATH = "/v1/status";
    private static final String VERSION = version();

    private final Api api;
    private final long startedAt = System.currentTimeMillis();

    StatusRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.GET, PATH).handler(this::status);
    }

    /** The journal's files on disk. */
    record Disk(long segments, long journalBytes, long snapshotBytes) {
    }

    private void status(RoutingContext rc) {
        Params.none(rc);
        CompletionStage<Health> health = api.broker.health();
        CompletionStage<Disk> disk = disk();
        api.reply(rc, health.thenCombine(disk, (h, d) -> Json.render(g -> write(g, h, d))),
                body -> Api.json(rc.response(), 200, body));
    }

    private void write(JsonGenerator g, Health h, Disk d) throws IOException {
        long now = System.currentTimeMillis();
        g.writeStartObject();
        g.writeStringField("version", VERSION);
        g.writeNumberField("started_at", startedAt);
        g.writeNumberField("uptime_ms", now - startedAt);
        g.writeNumberField("now", now);
        g.writeNumberField("connections", api.metrics.connections().get());
        writeStorage(g, h, d);
        g.writeObjectFieldStart("counters");
        for (Map.Entry<String, long[]> e : api.metrics.counterSnapshot().entrySet()) {
            long[] c = e.getValue();
            g.writeObjectFieldStart(e.getKey());
            g.writeNumberField("pushed", c[0]);
            g.writeNumberField("popped", c[1]);
            g.writeNumberField("acked", c[2]);
            g.writeNumberField("nacked", c[3]);
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private void writeStorage(JsonGenerator g, Health h, Disk d) throws IOException {
        ServerConfig.StorageConfig s = api.config.storage();
        g.writeObjectFieldStart("storage");
        g.writeStringField("kind", switch (s.storage()) {
            case ServerConfig.Storage.Journal j -> "journal";
            case ServerConfig.Storage.Memory m -> "memory";
            case ServerConfig.Storage.Postgres p -> "postgresql";
        });
        g.writeBooleanField("ready", h.ready() && !api.state.closing());
        g.writeStringField("detail", h.detail());
        if (s.storage() instanceof ServerConfig.Storage.Journal) {
            g.writeStringField("fsync", s.fsync().wire());
            g.writeStringField("data_dir", s.dataDir().toAbsolutePath().toString());
            g.writeNumberField("segments", d.segments());
            g.writeNumberField("journal_bytes", d.journalBytes());
            g.writeNumberField("snapshot_bytes", d.snapshotBytes());
        }
        Metrics.SyncFigures sync = api.metrics.syncFigures();
        g.writeObjectFieldStart("sync");
        g.writeNumberField("count", sync.count());
        g.writeNumberField("mean_ms", sync.meanNanos() / 1e6);
        g.writeNumberField("max_ms", sync.maxNanos() / 1e6);
        g.writeNumberField("bytes", sync.bytes());
        g.writeEndObject();
        g.writeEndObject();
    }

    private CompletionStage<Disk> disk() {
        ServerConfig.StorageConfig s = api.config.storage();
        if (!(s.storage() instanceof ServerConfig.Storage.Journal)) {
            return CompletableFuture.completedFuture(new Disk(0, 0, 0));
        }
        return api.vertx.executeBlocking(() -> list(BrokerFactory.journalDir(api.config)), false).toCompletionStage();
    }

    /** Counts the engine's segments and their bytes ({@code journal/}) and the snapshots' bytes ({@code snapshots/}). */
    static Disk list(Path engineDir) {
        long[] journal = files(engineDir.resolve("journal"));
        long[] snapshots = files(engineDir.resolve("snapshots"));
        return new Disk(journal[0], journal[1], snapshots[1]);
    }

    /** {segment files, bytes of all files} of one directory; files that vanish meanwhile (compaction) are skipped. */
    private static long[] files(Path dir) {
        long[] out = new long[2];
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    if (Files.isRegularFile(p)) {
                        out[1] += Files.size(p);
                        out[0] += p.getFileName().toString().endsWith(".seg") ? 1 : 0;
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // deleted between the listing and the size: it no longer counts
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir.getFileName(), e);
        }
        return out;
    }

    private static String version() {
        try (InputStream in = StatusRoutes.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "");
            return v.isEmpty() || v.startsWith("${") ? "development" : v;
        } catch (IOException e) {
            return "development";
        }
    }
}
