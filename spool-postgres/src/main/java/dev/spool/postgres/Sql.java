package dev.spool.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The SQL text of the backend, loaded from resources: named statements from {@code statements.sql}
 * and the schema ({@code schema.sql}, {@code function/}, {@code migration/}; see {@link Migrations}).
 * Keeping SQL out of Java strings keeps it readable, diffable and EXPLAIN-able as written.
 */
final class Sql {
    private static final Map<String, String> STATEMENTS = parse(read("statements.sql"));

    private Sql() {
    }

    /** The statement of this name. */
    static String get(String name) {
        String s = STATEMENTS.get(name);
        if (s == null) {
            throw new IllegalStateException("no statement named " + name + " in statements.sql");
        }
        return s;
    }

    /** A resource next to this class, as text. */
    static String read(String resource) {
        try (InputStream in = Sql.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> parse(String text) {
        Map<String, String> out = new HashMap<>();
        String name = null;
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.startsWith("-- name:")) {
                if (name != null) {
                    out.put(name, body.toString().strip());
                }
                name = line.substring("-- name:".length()).strip();
                body.setLength(0);
            } else if (name != null && !line.startsWith("--")) {
                body.append(line).append('\n');
            }
        }
        if (name != null) {
            out.put(name, body.toString().strip());
        }
        return out;
    }
}
