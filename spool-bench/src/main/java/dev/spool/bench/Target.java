package dev.spool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.spool.api.Broker;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The server a run drives: one at {@code --url}, or one started in this process with the storage
 * of {@code --storage}/{@code --fsync} (journal in a temporary directory by default, deleted at
 * the end). Isolation of the server's lifecycle from the scenarios.
 */
final class Target implements AutoCloseable {
    private final URI url;
    private final Optional<SpoolServer> server;
    private final Optional<Path> tempDir;
    private final String description;

    private Target(URI url, Optional<SpoolServer> server, Optional<Path> tempDir, String description) {
        this.url = url;
        this.server = server;
        this.tempDir = tempDir;
        this.description = description;
    }

    static Target open(CommonOptions o) throws Exception {
        if (o.url != null) {
            return new Target(parseUrl(o.url), Optional.empty(), Optional.empty(), "server at " + o.url);
        }
        Path dir = Files.createTempDirectory("spool-bench");
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("port", "0");
        flags.put("storage", o.storage);
        flags.put("data-dir", dir.toString());
        flags.put("fsync", o.fsync);
        SpoolServer s;
        try {
            ServerConfig config = ServerConfig.load(flags, Map.of());
            s = SpoolServer.start(config).toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            deleteTree(dir);
            throw e;
        }
        String storage = o.storage.startsWith("postgres") ? "postgresql" : o.storage;
        String desc = "in-process server, storage=" + storage
                + ("journal".equals(o.storage) ? " fsync=" + o.fsync : "");
        return new Target(URI.create(s.url()), Optional.of(s), Optional.of(dir), desc);
    }

    /** Parses {@code --url}; throws {@link IllegalArgumentException} unless it is http://host[:port]. */
    static URI parseUrl(String url) {
        URI u;
        try {
            u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url must look like http://host:port, got " + url, e);
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null || (u.getPath() != null && !u.getPath().isEmpty())) {
            throw new IllegalArgumentException("--url must look like http://host:port, got " + url);
        }
        return u.getPort() == -1 ? URI.create("http://" + u.getHost() + ":80") : u;
    }

    URI url() {
        return url;
    }

    boolean inProcess() {
        return server.isPresent();
    }

    /** The broker behind the in-process server. */
    Optional<Broker> broker() {
        return server.map(SpoolServer::broker);
    }

    String description() {
        return description;
    }

    @Override
    public void close() {
        try {
            server.ifPresent(SpoolServer::close);
        } finally {
            tempDir.ifPresent(Target::deleteTree);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
