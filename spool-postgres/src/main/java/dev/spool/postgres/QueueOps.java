package dev.spool.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;

/** Queue and group administration on one connection. */
final class QueueOps {
    private QueueOps() {
    }

    static void put(Connection c, String queue, QueueConfig cfg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("put_queue"))) {
            ps.setString(1, queue);
            ps.setLong(2, cfg.visibilityTimeoutMs());
            ps.setInt(3, cfg.maxAttempts());
            ps.setString(4, cfg.deadLetterQueue().orElse(null));
            ps.setLong(5, cfg.retryBackoff().initialMs());
            ps.setLong(6, cfg.retryBackoff().maxMs());
            ps.setDouble(7, cfg.retryBackoff().multiplier());
            ps.setBoolean(8, cfg.retryBackoff().jitter());
            ps.setLong(9, cfg.retentionMs());
            ps.setLong(10, cfg.messageTtlMs());
            ps.setLong(11, cfg.maxMessageBytes());
            ps.setLong(12, cfg.dedupWindowMs());
            ps.setLong(13, cfg.resultTtlMs());
            List<String> flat = new ArrayList<>(2 * cfg.attributes().size());
            Codec.flatten(cfg.attributes(), flat);
            ps.setArray(14, c.createArrayOf("text", flat.toArray()));
            ps.setBoolean(15, cfg.encrypted());
            ps.execute();
        }
    }

    static QueueInfo get(Connection c, String queue) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("get_queue"))) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SpoolException(ErrorCode.QUEUE_NOT_FOUND, "queue " + queue + " does not exist");
                }
                return info(c, rs);
            }
        }
    }

    static List<QueueInfo> list(Connection c) throws SQLException {
        List<QueueInfo> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(Sql.get("list_queues"));
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(info(c, rs));
            }
        }
        return out;
    }

    private static QueueInfo info(Connection c, ResultSet rs) throws SQLException {
        String name = rs.getString("name");
        QueueConfig cfg = Codec.config(rs);
        long created = rs.getLong("created_at");
        List<GroupInfo> groups = groups(c, name);
        QueueStats stats = groups.isEmpty() ? QueueStats.EMPTY : groups.get(0).stats();
        Optional<String> push = groups.isEmpty() ? Optional.empty() : groups.get(0).push();
        return new QueueInfo(name, cfg, created, stats, groups.subList(Math.min(1, groups.size()), groups.size()),
                push);
    }

    /** Every group with its counts, default first. */
    static List<GroupInfo> groups(Connection c, String queue) throws SQLException {
        List<GroupInfo> out = new ArrayList<>();
        Map<String, String> pushes = pushes(c, queue);
        try (PreparedStatement ps = c.prepareStatement(Sql.get("stats"))) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StartPosition start = switch (rs.getInt("start_kind")) {
                        case 0 -> StartPosition.EARLIEST;
                        case 1 -> StartPosition.LATEST;
                        default -> new StartPosition.At(rs.getLong("start_ms"));
                    };
                    QueueStats s = new QueueStats(rs.getLong("ready"), rs.getLong("delayed"), rs.getLong("in_flight"),
                            rs.getLong("dead"), rs.getLong("oldest_ready_age"));
                    String name = rs.getString("grp_name");
                    out.add(new GroupInfo(name, start, rs.getLong("created_at"), s,
                            Optional.ofNullable(pushes.get(name))));
                }
            }
        }
        return out;
    }

    /** The push configurations of a queue's push groups by group name. */
    private static Map<String, String> pushes(Connection c, String queue) throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(Sql.get("group_pushes"))) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Sets (or, with null, clears) a group's push configuration. */
    static void setPush(Connection c, String queue, String group, String push) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("set_group_push"))) {
            ps.setString(1, push);
            ps.setString(2, queue);
            ps.setString(3, group);
            ps.executeUpdate();
        }
    }

    static GroupInfo group(Connection c, String queue, String group) throws SQLException {
        for (GroupInfo g : groups(c, queue)) {
            if (g.name().equals(group)) {
                return g;
            }
        }
        throw new SpoolException(ErrorCode.GROUP_NOT_FOUND, "group " + group + " does not exist");
    }

    static void putGroup(Connection c, String queue, String group, StartPosition start, int maxGroups)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("put_group"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            switch (start) {
                case StartPosition.Earliest e -> {
                    ps.setInt(3, 0);
                    ps.setLong(4, 0);
                }
                case StartPosition.Latest l -> {
                    ps.setInt(3, 1);
                    ps.setLong(4, 0);
                }
                case StartPosition.At at -> {
                    ps.setInt(3, 2);
                    ps.setLong(4, at.epochMs());
                }
            }
            ps.setInt(5, maxGroups);
            ps.execute();
        }
    }

    /** Runs a statement taking the queue (and optionally a group) and returning one bigint or nothing. */
    static long simple(Connection c, String statement, String queue, String group) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get(statement))) {
            ps.setString(1, queue);
            if (group != null) {
                ps.setString(2, group);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1) instanceof Number n ? n.longValue() : 0;
            }
        }
    }
}
