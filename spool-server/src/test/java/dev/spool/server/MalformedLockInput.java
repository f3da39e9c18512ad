package dev.spool.server;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.spool.server.MalformedInputTest.Case;

/**
 * The lock part of the malformed-input corpus: every lock endpoint with names, owners, ttls,
 * waits, lease ids, tokens and versions of every wrong type and size, broken JSON, wrong content
 * types, fence headers missing or malformed, and well-formed requests that must still be refused
 * (a held lock, a stale fence, a wrong version). The victim lock {@code vlock} is held with a long
 * lease and has a state document; {@link MalformedInputTest#snapshot} checks neither changes.
 */
final class MalformedLockInput {
    /** The victim lock. */
    static final String LOCK = "vlock";
    /** The victim lock's lease (set by {@link #setup}). */
    static JsonNode lease;

    private MalformedLockInput() {
    }

    /** Acquires the victim lock for ten minutes and writes its state. */
    static void setup(ApiClient c) {
        lease = LockApiTest.acquire(c, LOCK, "victim-owner", 600_000, 0);
        ApiClient.Resp r = c.send("PUT", "/v1/locks/" + LOCK + "/state", "{\"v\":1}".getBytes(), "Content-Type",
                "application/json", "Spool-Lease-Id", leaseId(), "Spool-Lock-Token", token());
        if (r.status() != 200) {
            throw new IllegalStateException(r.toString());
        }
    }

    /** The victim lock's view and state, for the before/after snapshot. */
    static String snapshot(ApiClient c) {
        // free-lock is never acquired: a bad transaction with an acquire op must leave it unknown (404)
        return c.get("/v1/locks/" + LOCK).text() + "\n" + c.get("/v1/locks/" + LOCK + "/state").text() + "\n"
                + c.get("/v1/locks/free-lock").status();
    }

    private static String leaseId() {
        return lease.path("lease_id").asText();
    }

    private static String token() {
        return lease.path("token").asText();
    }

    private static final String[] BAD_NUMBERS = {"\"1\"", "1.5", "true", "[]", "{}", "-1", "0",
        "99999999999999999999999", "-9223372036854775809", "1e400", "\"\"", "null"};
    private static final String[] BAD_STRINGS = {"1", "true", "[]", "{}", "\"\\u0000\"", "\"" + "x".repeat(5000) + "\"",
        "\"\"", "null"};

    /** Frames for {@code /v1/stream}: lock ops with wrong fields, each answered by an error frame. */
    static void streamCases(List<String> c) {
        String fence = "\"lease_id\":\"" + leaseId() + "\",\"token\":" + token();
        String staleToken = Long.toString(lease.path("token").asLong() + 1);
        for (String op : new String[] {"acquire", "keepalive", "release"}) {
            String f = "{\"op\":\"" + op + "\",\"req\":1,";
            c.add(f + "\"owner\":\"o\",\"ttl_ms\":1000," + fence + "}");
            c.add(f + "\"lock\":\"bad name\",\"owner\":\"o\",\"ttl_ms\":1000," + fence + "}");
            c.add(f + "\"lock\":1,\"owner\":\"o\",\"ttl_ms\":1000," + fence + "}");
            c.add(f + "\"lock\":\"" + LOCK + "\",\"unknown\":1}");
        }
        String acq = "{\"op\":\"acquire\",\"req\":1,\"lock\":\"" + LOCK + "\",";
        c.add(acq + "\"owner\":\"o\",\"ttl_ms\":1000}");
        c.add(acq + "\"owner\":\"o\",\"ttl_ms\":0}");
        c.add(acq + "\"owner\":\"o\",\"ttl_ms\":\"1\"}");
        c.add(acq + "\"owner\":1,\"ttl_ms\":1000}");
        c.add(acq + "\"owner\":\"o\",\"ttl_ms\":1000,\"wait_ms\":-1}");
        c.add(acq + "\"owner\":\"o\",\"ttl_ms\":1000,\"wait_ms\":1001}");
        String ka = "{\"op\":\"keepalive\",\"req\":1,\"lock\":\"" + LOCK + "\",";
        c.add(ka + fence + "}");
        c.add(ka + fence + ",\"ttl_ms\":-1}");
        c.add(ka + "\"lease_id\":\"" + leaseId() + "\",\"token\":" + staleToken + ",\"ttl_ms\":1000}");
        String rel = "{\"op\":\"release\",\"req\":1,\"lock\":\"" + LOCK + "\",";
        c.add(rel + "\"lease_id\":\"" + leaseId() + "\",\"token\":" + staleToken + "}");
        c.add(rel + "\"lease_id\":\"\",\"token\":" + token() + "}");
        c.add(rel + "\"lease_id\":\"" + leaseId() + "\",\"token\":0}");
        c.add(rel + fence + ",\"ttl_ms\":5}");
    }

    /** {@code read_state} frames with wrong fields: each gets a 4xx error frame, the socket keeps serving. */
    static void readStateCases(List<String> c) {
        String f = "{\"op\":\"read_state\",\"req\":1";
        c.add(f + "}");
        for (String name : BAD_STRINGS) {
            c.add(f + ",\"lock\":" + name + "}");
        }
        for (String name : new String[] {"bad name", ".", "..", "a/b", "x".repeat(129), "n".repeat(60 * 1024)}) {
            c.add(f + ",\"lock\":\"" + name + "\"}");
        }
        c.add(f + ",\"lock\":\"" + LOCK + "\",\"extra\":1}");
        c.add(f + ",\"lock\":\"" + LOCK + "\",\"lease_id\":\"" + leaseId() + "\"}");
        c.add(f + ",\"lock\":\"" + LOCK + "\",\"payload\":{}}");
        c.add(f + ",\"lock\":\"never-written\"}");
        c.add("{\"op\":\"read_state\",\"req\":[],\"lock\":\"" + LOCK + "\"}");
        c.add("{\"op\":\"READ_STATE\",\"req\":1,\"lock\":\"" + LOCK + "\"}");
        c.add("{\"op\":\"read_state\",\"req\":1,\"lock\":\"" + LOCK + "\"");
        c.add("[{\"op\":\"read_state\",\"req\":1,\"lock\":\"" + LOCK + "\"}]");
    }

    static void cases(List<Case> c, String[] badNames) {
        String base = "/v1/locks/" + LOCK;
        String fence = "\"lease_id\":\"" + leaseId() + "\",\"token\":" + token();
        for (String op : new String[] {"acquire", "keepalive", "release"}) {
            for (String b : MalformedInputTest.BROKEN_JSON) {
                c.add(json("POST", base + "/" + op, b));
            }
            c.add(json("POST", base + "/" + op, "{\"x\":\"" + "y".repeat(70 * 1024) + "\"}"));
            c.add(new Case("POST", base + "/" + op, "{}", "Content-Type", "text/plain"));
            c.add(json("POST", base + "/" + op + "?x=1", "{}"));
            for (String name : badNames) {
                c.add(json("POST", "/v1/locks/" + name + "/" + op, "{\"owner\":\"o\",\"ttl_ms\":1000," + fence + "}"));
            }
        }
        String acquire = base + "/acquire";
        c.add(json("POST", acquire, "{}"));
        c.add(json("POST", acquire, "{\"owner\":\"o\"}"));
        c.add(json("POST", acquire, "{\"ttl_ms\":1000}"));
        c.add(json("POST", acquire, "{\"owner\":\"o\",\"ttl_ms\":1000}"));
        c.add(json("POST", acquire, "{\"owner\":\"o\",\"ttl_ms\":86400001}"));
        c.add(json("POST", acquire, "{\"owner\":\"o\",\"ttl_ms\":1000,\"wait_ms\":1001}"));
        c.add(json("POST", acquire, "{\"owner\":\"o\\nx\",\"ttl_ms\":1000}"));
        c.add(json("POST", acquire, "{\"owner\":\"" + "o".repeat(257) + "\",\"ttl_ms\":1000}"));
        c.add(json("POST", acquire, "{\"owner\":\"o\",\"ttl_ms\":1000,\"lease_id\":\"x\"}"));
        for (String v : BAD_NUMBERS) {
            c.add(json("POST", acquire, "{\"owner\":\"o\",\"ttl_ms\":" + v + "}"));
            if (!v.equals("0") && !v.equals("null")) {
                c.add(json("POST", acquire, "{\"owner\":\"o\",\"ttl_ms\":1000,\"wait_ms\":" + v + "}"));
            }
            c.add(json("POST", base + "/keepalive", "{" + fence.replace("\"token\":" + token(), "\"token\":" + v)
                    + ",\"ttl_ms\":1000}"));
            c.add(json("POST", base + "/keepalive", "{" + fence + ",\"ttl_ms\":" + v + "}"));
            c.add(json("POST", base + "/release", "{\"lease_id\":\"" + leaseId() + "\",\"token\":" + v + "}"));
        }
        for (String v : BAD_STRINGS) {
            c.add(json("POST", acquire, "{\"owner\":" + v + ",\"ttl_ms\":1000}"));
            c.add(json("POST", base + "/release", "{\"lease_id\":" + v + ",\"token\":" + token() + "}"));
            c.add(json("POST", base + "/keepalive", "{\"lease_id\":" + v + ",\"token\":" + token() + ",\"ttl_ms\":1}"));
        }
        String staleToken = Long.toString(lease.path("token").asLong() + 1);
        c.add(json("POST", base + "/release", "{\"lease_id\":\"" + leaseId() + "\",\"token\":" + staleToken + "}"));
        c.add(json("POST", base + "/release", "{\"lease_id\":\"nope\",\"token\":" + token() + "}"));
        c.add(json("POST", base + "/release", "{" + fence + ",\"ttl_ms\":1000}"));
        c.add(json("POST", base + "/keepalive", "{" + fence + "}"));
        c.add(json("POST", "/v1/locks/nosuch/keepalive", "{" + fence + ",\"ttl_ms\":1000}"));
        readCases(c, base, badNames);
        stateCases(c, base, staleToken, badNames);
        txCases(c, fence, staleToken);
    }

    private static void readCases(List<Case> c, String base, String[] badNames) {
        c.add(new Case("GET", "/v1/locks/nosuch", null));
        c.add(new Case("GET", "/v1/locks/nosuch/state", null));
        c.add(new Case("GET", base + "?x=1", null));
        c.add(new Case("GET", base + "/state?x=1", null));
        for (String p : new String[] {"prefix=bad%20name", "prefix=" + "p".repeat(129), "after=%00", "limit=0",
            "limit=1001", "limit=x", "limit=-1", "limit=99999999999999999999", "foo=1", "limit=1&limit=2"}) {
            c.add(new Case("GET", "/v1/locks?" + p, null));
        }
        c.add(new Case("PATCH", base, null));
        c.add(new Case("POST", base + "/state", "x"));
        for (String name : badNames) {
            c.add(new Case("GET", "/v1/locks/" + name, null));
            c.add(new Case("GET", "/v1/locks/" + name + "/state", null));
        }
    }

    private static void stateCases(List<Case> c, String base, String staleToken, String[] badNames) {
        String path = base + "/state";
        String id = leaseId();
        String[][] headerSets = {
            {},
            {"Spool-Lease-Id", id},
            {"Spool-Lock-Token", token()},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", "x"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", "-1"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", "0"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", "1.5"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", "99999999999999999999"},
            {"Spool-Lease-Id", "l".repeat(129), "Spool-Lock-Token", token()},
            {"Spool-Lease-Id", "", "Spool-Lock-Token", token()},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", staleToken},
            {"Spool-Lease-Id", "nope", "Spool-Lock-Token", token()},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "If-Match", "abc"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "If-Match", "\"-1\""},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "If-Match", "\"x\""},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "If-Match", "*"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "If-Match", "\"7\""},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "Spool-If-Version", "x"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "Spool-If-Version", "-2"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "Spool-If-Version", "0"},
            {"Spool-Lease-Id", id, "Spool-Lock-Token", token(), "Spool-If-Version", "1", "If-Match", "\"1\""},
        };
        for (String[] h : headerSets) {
            c.add(new Case("PUT", path, "x", h));
            c.add(new Case("DELETE", path, null, h));
        }
        c.add(new Case("PUT", path, "x", "Spool-Lease-Id", id, "Spool-Lock-Token", token(), "Content-Type",
                "t".repeat(300)));
        c.add(new Case("PUT", path + "?x=1", "x", "Spool-Lease-Id", id, "Spool-Lock-Token", token()));
        for (String name : badNames) {
            c.add(new Case("PUT", "/v1/locks/" + name + "/state", "x", "Spool-Lease-Id", id, "Spool-Lock-Token",
                    token()));
            c.add(new Case("DELETE", "/v1/locks/" + name + "/state", null, "Spool-Lease-Id", id, "Spool-Lock-Token",
                    token()));
        }
    }

    private static void txCases(List<Case> c, String fence, String staleToken) {
        String ls = "{\"ops\":[{\"op\":\"lock_state\",\"lock\":\"" + LOCK + "\",";
        String rel = "{\"ops\":[{\"op\":\"release\",\"lock\":\"" + LOCK + "\",";
        String[] ops = {
            "{\"ops\":[{\"op\":\"release\"," + fence + "}]}",
            "{\"ops\":[{\"op\":\"release\",\"lock\":\"bad name\"," + fence + "}]}",
            "{\"ops\":[{\"op\":\"release\",\"lock\":1," + fence + "}]}",
            rel + "\"token\":" + token() + "}]}",
            rel + "\"lease_id\":\"" + leaseId() + "\"}]}",
            rel + "\"lease_id\":\"" + leaseId() + "\",\"token\":\"1\"}]}",
            rel + "\"lease_id\":\"" + leaseId() + "\",\"token\":1.5}]}",
            rel + "\"lease_id\":\"" + leaseId() + "\",\"token\":" + staleToken + "}]}",
            rel + fence + ",\"payload\":1}]}",
            rel + fence + ",\"extra\":1}]}",
            ls + fence + "}]}",
            ls + "\"payload\":1}]}",
            rel + "\"lease_id\":null,\"token\":null}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"" + LOCK + "\",\"owner\":\"o\",\"ttl_ms\":1000}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"" + LOCK + "\",\"owner\":\"o\",\"ttl_ms\":1000},"
                + "{\"op\":\"lock_state\",\"lock\":\"" + LOCK + "\",\"payload\":1}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"ttl_ms\":1000}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\"}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":1,\"ttl_ms\":1000}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":\"1000\"}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":0}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1e40}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1000,\"wait_ms\":5}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1000,\"lease_id\":\"x\"}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"\",\"ttl_ms\":1000}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1000},"
                + "{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1000}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1000},"
                + "{\"op\":\"lock_state\",\"lock\":\"free-lock\",\"payload\":1,\"if_version\":9}]}",
            "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"free-lock\",\"owner\":\"o\",\"ttl_ms\":1000},"
                + "{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]},"
                + "{\"op\":\"release\",\"lock\":\"" + LOCK + "\"}]}",
            ls + fence + ",\"payload\":1,\"payload_base64\":\"AA==\"}]}",
            ls + fence + ",\"payload_base64\":\"!!\"}]}",
            ls + fence + ",\"payload\":1,\"content_type\":\"text/plain\"}]}",
            ls + fence + ",\"payload\":1,\"if_version\":-1}]}",
            ls + fence + ",\"payload\":1,\"if_version\":\"1\"}]}",
            ls + fence + ",\"payload\":1,\"if_version\":7}]}",
            ls + fence + ",\"payload_base64\":\"AA==\",\"content_type\":\"\"}]}",
            ls + fence + ",\"payload\":1,\"queue\":\"victim\"}]}",
            ls + "\"lease_id\":\"" + leaseId() + "\",\"token\":" + staleToken + ",\"payload\":1}]}",
            "{\"ops\":[{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]},"
                + "{\"op\":\"release\",\"lock\":\"" + LOCK + "\",\"lease_id\":\"" + leaseId() + "\",\"token\":"
                + staleToken + "}]}"};
        for (String o : ops) {
            c.add(json("POST", "/v1/tx", o));
        }
    }

    private static Case json(String method, String path, String body) {
        return new Case(method, path, body, "Content-Type", "application/json");
    }
}
