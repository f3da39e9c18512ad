package dev.spool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.spool.api.Broker;
import dev.spool.api.crypto.Keyring;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The server(s) a run drives: those at {@code --url} (one, or two comma-separated), or started in
 * this process with the storage of {@code --storage}/{@code --fsync} (journal in a temporary
 * directory by default, deleted at the end). With a {@code postgresql://} storage two servers are
 * started over the same database, as several servers behind a load balancer would run: producers
 * use the first, consumers the second, so every delivery crosses servers. Isolation of the
 * servers' lifecycle from the scenarios.
 */
final class Target implements AutoCloseable {
    private final List<URI> urls;
    private final List<SpoolServer> servers;
    private final List<Path> tempDirs;
    private final String description;

    private Target(List<URI> urls, List<SpoolServer> servers, List<Path> tempDirs, String description) {
        this.urls = urls;
        this.servers = servers;
        this.tempDirs = tempDirs;
        this.description = description;
    }

    static Target open(CommonOptions o) throws Exception {
        if (o.url != null) {
            List<URI> urls = parseUrls(o.url);
            return new Target(urls, List.of(), List.of(),
                    urls.size() == 1 ? "server at " + o.url : "servers at " + o.url + " (producers, consumers)");
        }
        boolean shared = o.storage.startsWith("postgres");
        List<SpoolServer> servers = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try {
            for (int i = 0; i < (shared ? 2 : 1); i++) {
                Path dir = Files.createTempDirectory("spool-bench");
                dirs.add(dir);
                Map<String, String> flags = new LinkedHashMap<>();
                flags.put("port", "0");
                flags.put("storage", o.storage);
                flags.put("data-dir", dir.toString());
                flags.put("fsync", o.fsync);
                if (o.serverConfig != null) {
                    flags.put("config", o.serverConfig);
                }
                if (o.encrypt) {
                    Path keys = dir.resolve("encryption.keys");
                    Files.writeString(keys, Keyring.newKeyLine("bench") + "\n");
                    Files.setPosixFilePermissions(keys, java.nio.file.attribute.PosixFilePermissions.fromString(
                            "rw-------"));
                    flags.put("encryption-keys-file", keys.toString());
                    flags.put("encrypt-all", "true");
                }
                ServerConfig config = ServerConfig.load(flags, Map.of());
                servers.add(SpoolServer.start(config).toCompletableFuture().get(120, TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            servers.forEach(SpoolServer::close);
            dirs.forEach(Target::deleteTree);
            throw e;
        }
        String desc = shared ? "2 in-process servers over one postgresql database (producers on one, consumers on"
                + " the other)"
                : "in-process server, storage=" + o.storage + ("journal".equals(o.storage) ? " fsync=" + o.fsync : "");
        desc += (o.encrypt ? ", encrypted at rest" : "") + (o.serverConfig != null ? ", config " + o.serverConfig : "");
        List<URI> urls = servers.stream().map(s -> URI.create(s.url())).toList();
        return new Target(urls, List.copyOf(servers), List.copyOf(dirs), desc);
    }

    /** Parses one or two comma-separated {@code --url}s. */
    static List<URI> parseUrls(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("--url takes one URL, or two separated by a comma, got " + text);
        }
        List<URI> out = new ArrayList<>();
        for (String part : parts) {
            out.add(parseUrl(part.trim()));
        }
        return List.copyOf(out);
    }

    /** Parses {@code --url}; throws {@link IllegalArgumentException} unless it is http://host[:port]. */
    static URI parseUrl(String url) {
        URI u;
        try {
            u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url must look like http://host:port, got " + url, e);
        }
        boolean tls = "https".equals(u.getScheme());
        if (!("http".equals(u.getScheme()) || tls) || u.getHost() == null || (u.getPath() != null && !u.getPath().isEmpty())) {
            throw new IllegalArgumentException("--url must look like http://host:port, got " + url);
        }
        return u.getPort() == -1 ? URI.create(u.getScheme() + "://" + u.getHost() + (tls ? ":443" : ":80")) : u;
    }

    /** Where producers (and set-up calls) go. */
    URI url() {
        return urls.get(0);
    }

    /** Where consumers go: the second server if there are two, else the same one. */
    URI consumerUrl() {
        return urls.get(urls.size() - 1);
    }

    boolean inProcess() {
        return !servers.isEmpty();
    }

    /** The broker behind the (first) in-process server. */
    Optional<Broker> broker() {
        return servers.stream().findFirst().map(SpoolServer::broker);
    }

    /** The broker behind the consumers' in-process server. */
    Optional<Broker> consumerBroker() {
        return servers.isEmpty() ? Optional.empty() : Optional.of(servers.get(servers.size() - 1).broker());
    }

    String description() {
        return description;
    }

    @Override
    public void close() {
        try {
            servers.forEach(SpoolServer::close);
        } finally {
            tempDirs.forEach(Target::deleteTree);
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
