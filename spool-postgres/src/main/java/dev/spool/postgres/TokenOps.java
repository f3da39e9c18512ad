package dev.spool.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.spool.api.AccessToken;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Access tokens in table {@code spool_tokens} (migration V14): one row per token, holding the hash
 * of its secret. Every server reads the same rows, so a token created or revoked on one server is
 * seen by all (each server's cache refreshes within a second).
 */
final class TokenOps {
    /** Most tokens stored at once (the same bound as the embedded engine's). */
    static final int MAX_TOKENS = 10_000;

    private TokenOps() {
    }

    static AccessToken put(Connection c, AccessToken t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("token_count")); ResultSet rs = ps.executeQuery()) {
            if (rs.next() && rs.getLong(1) >= MAX_TOKENS) {
                throw SpoolException.tooMany("at most " + MAX_TOKENS + " tokens", 60_000);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(Sql.get("token_insert"))) {
            ps.setString(1, t.id());
            ps.setString(2, t.name());
            ps.setString(3, t.secretHash());
            ps.setArray(4, c.createArrayOf("text", t.permissions().toArray()));
            ps.setLong(5, t.createdAt());
            if (ps.executeUpdate() == 0) {
                throw new SpoolException(ErrorCode.CONFLICT, "a token with this id exists");
            }
        }
        return t;
    }

    static List<AccessToken> list(Connection c) throws SQLException {
        List<AccessToken> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Sql.get("token_list")); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Array perms = rs.getArray("permissions");
                List<String> p = Arrays.asList((String[]) perms.getArray());
                out.add(new AccessToken(rs.getString("id"), rs.getString("name"), rs.getString("secret_hash"), p,
                        rs.getLong("created_at")));
            }
        }
        return out;
    }

    static Void revoke(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("token_delete"))) {
            ps.setString(1, id);
            if (ps.executeUpdate() == 0) {
                throw new SpoolException(ErrorCode.NOT_FOUND, "no token with this id");
            }
        }
        return null;
    }

    static void checkPut(dev.spool.api.AccessToken token) {
        if (token == null) {
            throw dev.spool.api.SpoolException.invalid("token", "a token is needed");
        }
    }

    static void checkId(String id) {
        if (id == null || id.isEmpty() || id.length() > 64) {
            throw dev.spool.api.SpoolException.invalid("id", "id is 1 to 64 characters");
        }
    }
}
