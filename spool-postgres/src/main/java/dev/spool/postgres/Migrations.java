package dev.spool.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations, applied at start. The scripts are {@code migration/V<n>__<name>.sql}
 * resources listed in {@code migration/index.txt}; table {@code spool_schema_version} records each
 * applied version. A session advisory lock serialises servers that start at once: the second one
 * waits, then finds everything applied and does nothing. Each script runs in its own transaction,
 * so a failed script leaves the schema at the previous version.
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    /** Advisory lock key of schema changes ("spool" + 01). */
    static final long LOCK_KEY = 7303042101L;

    /** One script. */
    record Script(int version, String name, String sql) {
    }

    private Migrations() {
    }

    /** Every script, in version order. */
    static List<Script> scripts() {
        List<Script> out = new ArrayList<>();
        for (String line : Sql.read("migration/index.txt").split("\n")) {
            String file = line.strip();
            if (file.isEmpty()) {
                continue;
            }
            int sep = file.indexOf("__");
            int version = Integer.parseInt(file.substring(1, sep));
            out.add(new Script(version, file.substring(sep + 2, file.length() - 4), Sql.read("migration/" + file)));
        }
        return out;
    }

    /**
     * Brings the schema to the latest version.
     *
     * @return how many scripts were applied
     */
    static int apply(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            try {
                s.execute("CREATE TABLE IF NOT EXISTS spool_schema_version (version int PRIMARY KEY, "
                        + "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                int current = currentVersion(c);
                int applied = 0;
                for (Script script : scripts()) {
                    if (script.version() > current) {
                        run(c, script);
                        applied++;
                    }
                }
                return applied;
            } finally {
                s.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            }
        } finally {
            c.setAutoCommit(auto);
        }
    }

    static int currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM spool_schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void run(Connection c, Script script) throws SQLException {
        LOG.info("applying schema migration V{} {}", script.version(), script.name());
        c.setAutoCommit(false);
        try (Statement s = c.createStatement();
                PreparedStatement record = c.prepareStatement(
                        "INSERT INTO spool_schema_version (version, description) VALUES (?, ?)")) {
            s.execute(script.sql());
            record.setInt(1, script.version());
            record.setString(2, script.name());
            record.executeUpdate();
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
