package dev.spool.server.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.vertx.core.buffer.Buffer;

/**
 * The dashboard's files, read once from the classpath into memory (a few tens of KiB), each with
 * its content type and a strong ETag (a hash of its bytes). The set of names is closed: a request
 * can only name one of them, so there is no path to traverse.
 */
final class Assets {
    /** Where the files live on the classpath. */
    static final String ROOT = "dev/spool/server/ui/";

    /** A file ready to send. */
    record Asset(String name, String contentType, Buffer body, String etag) {
    }

    private static final Map<String, String> TYPES = types();

    private final Map<String, Asset> byName;

    private Assets(Map<String, Asset> byName) {
        this.byName = byName;
    }

    private static Map<String, String> types() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("index.html", "text/html; charset=utf-8");
        t.put("app.js", "text/javascript; charset=utf-8");
        t.put("api.js", "text/javascript; charset=utf-8");
        t.put("views.js", "text/javascript; charset=utf-8");
        t.put("queue.js", "text/javascript; charset=utf-8");
        t.put("app.css", "text/css; charset=utf-8");
        t.put("icon.svg", "image/svg+xml");
        return t;
    }

    /** The names served, in a stable order (tests check every one). */
    static Iterable<String> names() {
        return TYPES.keySet();
    }

    /** Loads every file; a missing one is a packaging bug and fails the start. */
    static Assets load() {
        Map<String, Asset> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : TYPES.entrySet()) {
            byte[] bytes = read(e.getKey());
            out.put(e.getKey(), new Asset(e.getKey(), e.getValue(), Buffer.buffer(bytes), etag(bytes)));
        }
        return new Assets(Map.copyOf(out));
    }

    Optional<Asset> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    private static byte[] read(String name) {
        try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard asset missing from the classpath: " + ROOT + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(h, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
