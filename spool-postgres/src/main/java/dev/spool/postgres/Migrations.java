package dev.spool.postgres;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database to the schema this build needs, at start. Three kinds of SQL resources:
 * <ul>
 * <li>{@code schema.sql}, the baseline tables and indexes (version {@value #BASELINE}), applied
 * when the recorded version is below it. Every statement in it is idempotent, so it also takes a
 * database made by the versioned scripts V1-V11 of earlier builds to the baseline (their tables
 * are the baseline's).
 * <li>{@code migration/V<n>__<name>.sql}, listed in {@code migration/index.txt}: table changes
 * after the baseline, each applied once in version order (a script whose version is not recorded
 * runs, even when a higher one already did).
 * <li>{@code function/<name>.sql}, listed in {@code function/index.txt}: one SQL function each,
 * as {@code CREATE OR REPLACE}. They are applied together whenever their digest differs from the
 * one recorded in {@code spool_schema_functions} (a new build changed a function), so each
 * function is written once, in one file, and the database always runs this build's.
 * </ul>
 * Table {@code spool_schema_version} records the applied versions. A session advisory lock
 * serialises servers that start at once: the second one waits, then finds everything applied and
 * does nothing. Each step runs in its own transaction, so a failed step leaves the previous state.
 */
final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    /** Advisory lock key of schema changes ("spool" + 01). */
    static final long LOCK_KEY = 7303042101L;
    /** The version {@code schema.sql} brings a database to. */
    static final int BASELINE = 11;

    /** One versioned script. */
    record Script(int version, String name, String sql) {
    }

    private Migrations() {
    }

    /** The versioned scripts after the baseline, in version order. */
    static List<Script> scripts() {
        List<Script> out = new ArrayList<>();
        for (String file : list("migration/index.txt")) {
            int sep = file.indexOf("__");
            int version = Integer.parseInt(file.substring(1, sep));
            out.add(new Script(version, file.substring(sep + 2, file.length() - 4), Sql.read("migration/" + file)));
        }
        return out;
    }

    /** The function files, in creation order. */
    static List<String> functions() {
        List<String> out = new ArrayList<>();
        for (String file : list("function/index.txt")) {
            out.add(Sql.read("function/" + file));
        }
        return out;
    }

    /** The digest of every function file, in order: it changes when any function does. */
    static String functionsDigest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String f : functions()) {
                md.update(f.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> list(String index) {
        List<String> out = new ArrayList<>();
        for (String line : Sql.read(index).split("\n")) {
            String file = line.strip();
            if (!file.isEmpty() && !file.startsWith("#")) {
                out.add(file);
            }
        }
        return out;
    }

    /**
     * Brings the schema to this build's.
     *
     * @return how many steps were applied: the baseline, each versioned script, the functions
     */
    static int apply(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            try {
                s.execute("CREATE TABLE IF NOT EXISTS spool_schema_version (version int PRIMARY KEY, "
                        + "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                s.execute("CREATE TABLE IF NOT EXISTS spool_schema_functions (digest text NOT NULL, "
                        + "applied_at timestamptz NOT NULL DEFAULT now())");
                int applied = 0;
                if (currentVersion(c) < BASELINE) {
                    run(c, "baseline schema", Sql.read("schema.sql"), BASELINE);
                    applied++;
                }
                // by the set of applied versions, not the highest: scripts developed side by side may be
                // merged with a lower version number than one a database already ran
                java.util.Set<Integer> done = appliedVersions(c);
                for (Script script : scripts()) {
                    if (!done.contains(script.version())) {
                        run(c, script.name(), script.sql(), script.version());
                        applied++;
                    }
                }
                if (applyFunctions(c)) {
                    applied++;
                }
                return applied;
            } finally {
                s.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            }
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static java.util.Set<Integer> appliedVersions(Connection c) throws SQLException {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version FROM spool_schema_version")) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }

    static int currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM spool_schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Runs one step and records its version, in one transaction. */
    private static void run(Connection c, String name, String sql, int version) throws SQLException {
        LOG.info("applying schema V{} {}", version, name);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement();
                PreparedStatement record = c.prepareStatement(
                        "INSERT INTO spool_schema_version (version, description) VALUES (?, ?)")) {
            s.execute(sql);
            record.setInt(1, version);
            record.setString(2, name);
            record.executeUpdate();
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** (Re)creates every function, in one transaction, unless the recorded digest is this build's. */
    private static boolean applyFunctions(Connection c) throws SQLException {
        String digest = functionsDigest();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT digest FROM spool_schema_functions")) {
            if (rs.next() && digest.equals(rs.getString(1))) {
                return false;
            }
        }
        LOG.info("applying the schema's SQL functions ({})", digest.substring(0, 12));
        c.setAutoCommit(false);
        try (Statement s = c.createStatement();
                PreparedStatement record = c.prepareStatement("INSERT INTO spool_schema_functions (digest) VALUES (?)")) {
            for (String f : functions()) {
                s.execute(f);
            }
            s.execute("DELETE FROM spool_schema_functions");
            record.setString(1, digest);
            record.executeUpdate();
            c.commit();
            return true;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
