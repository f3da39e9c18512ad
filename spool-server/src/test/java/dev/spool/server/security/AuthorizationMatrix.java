package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every route × every kind of credential → the expected status, and nothing changed on a refusal.
 * Credentials: none, a made-up token, a revoked token, a token holding every permission but the
 * one the route needs, a token holding exactly that one, a client certificate whose identity is
 * granted it, and one whose identity is not.
 */
final class AuthorizationMatrix {
    /** What a route needs. */
    enum Need { PRODUCE, CONSUME, ADMIN, LOCK, PRODUCE_OR_CONSUME, ANY_GRANT, ADMIN_EVERYWHERE, ANY_IDENTITY }

    /** A kind of credential. */
    enum Cred { NONE, BAD_TOKEN, REVOKED_TOKEN, TOKEN_WITHOUT, TOKEN_WITH, CERT_WITH, CERT_WITHOUT }

    /** Any status but 401 and 403 (and not a 5xx other than 501): the check let the request through. */
    static final int PASSED = -1;

    /** A request ready to send: its path and body (null for none). */
    record Req(String path, String body) {
    }

    /** Prepares one request, after any setup it needs (done with the admin token). */
    @FunctionalInterface
    interface Prep {
        Req make(SecuredServer s, int run) throws Exception;
    }

    /** One route. */
    record Row(String method, String path, Prep prep, Need need, int ok) {
        /** A row whose request is always the same. */
        Row(String method, String path, String body, Need need, int ok) {
            this(method, path, (s, run) -> new Req(path, body), need, ok);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final SecuredServer s;
    private final Map<Need, String> with = new EnumMap<>(Need.class);
    private final Map<Need, String> without = new EnumMap<>(Need.class);
    private final String revoked;
    private final AtomicInteger runs = new AtomicInteger();
    /** Every secret made, for the log check. */
    final List<String> secrets = new ArrayList<>();

    AuthorizationMatrix(SecuredServer s) throws Exception {
        this.s = s;
        String all = "produce:other.*,consume:other.*,admin:other.*,lock:other.*";
        mint(Need.PRODUCE, "produce:orders.*", all + ",consume:orders.*,admin:orders.*,lock:orders.*");
        mint(Need.CONSUME, "consume:orders.*", all + ",produce:orders.x,admin:orders.*,lock:orders.*");
        mint(Need.ADMIN, "admin:orders.*", all + ",produce:orders.*,consume:orders.*,lock:orders.*");
        mint(Need.LOCK, "lock:orders.*", all + ",produce:orders.*,consume:orders.*,admin:orders.*");
        mint(Need.PRODUCE_OR_CONSUME, "consume:orders.*", all + ",admin:orders.*,lock:orders.*");
        mint(Need.ANY_GRANT, "lock:orders.*", all);
        mint(Need.ADMIN_EVERYWHERE, "admin:*", all + ",produce:*,consume:*,lock:*,admin:orders.*");
        mint(Need.ANY_IDENTITY, "lock:nothing.*", "lock:nothing.*");
        String[] r = s.token("revoked", "produce:*", "consume:*", "admin:*", "lock:*");
        secrets.add(r[1]);
        assertThat(s.admin("DELETE", "/v1/tokens/" + r[0], null).statusCode()).isEqualTo(204);
        revoked = r[1];
    }

    private void mint(Need need, String withPerms, String withoutPerms) throws Exception {
        String[] w = s.token("with-" + need, withPerms.split(","));
        String[] wo = s.token("without-" + need, withoutPerms.split(","));
        with.put(need, w[1]);
        without.put(need, wo[1]);
        secrets.add(w[1]);
        secrets.add(wo[1]);
    }

    /** The status a credential must get on a route. */
    static int expected(Row row, Cred c) {
        return switch (c) {
            case NONE, BAD_TOKEN, REVOKED_TOKEN -> 401;
            case TOKEN_WITHOUT, CERT_WITHOUT -> row.need() == Need.ANY_IDENTITY ? row.ok() : 403;
            case TOKEN_WITH, CERT_WITH -> row.ok();
        };
    }

    /** Sends a prepared request with the credential. */
    HttpResponse<String> send(Row row, Req req, Cred c) throws Exception {
        String path = req.path();
        String body = req.body();
        return switch (c) {
            case NONE -> s.plain.send(row.method(), path, body, null);
            case BAD_TOKEN -> s.plain.send(row.method(), path, body, "spl_notatokenatall");
            case REVOKED_TOKEN -> s.plain.send(row.method(), path, body, revoked);
            case TOKEN_WITHOUT -> s.plain.send(row.method(), path, body, without.get(row.need()));
            case TOKEN_WITH -> s.plain.send(row.method(), path, body, with.get(row.need()));
            case CERT_WITH -> s.worker.send(row.method(), path, body, null);
            case CERT_WITHOUT -> s.spiffe.send(row.method(), path, body, null);
        };
    }

    /**
     * Runs every row with every credential; returns the failures as text (empty when all passed).
     * Refusals run first, with the state compared before and after each.
     */
    List<String> run(List<Row> rows) throws Exception {
        List<String> failures = new ArrayList<>();
        for (Row row : rows) {
            for (Cred c : Cred.values()) {
                int want = expected(row, c);
                boolean refusal = want == 401 || want == 403;
                Req req = row.prep().make(s, runs.incrementAndGet());
                String before = refusal ? s.state() : null;
                HttpResponse<String> r = send(row, req, c);
                if (r.statusCode() == 201 && r.body().contains("\"secret\"")) {
                    secrets.add(SecuredServer.JSON.readTree(r.body()).get("secret").asText());
                }
                if (!matches(want, r.statusCode())) {
                    failures.add(row + " with " + c + ": expected " + (want == PASSED ? "pass" : want) + ", got "
                            + r.statusCode() + " " + r.body());
                    continue;
                }
                if (refusal) {
                    JsonNode err = SecuredServer.JSON.readTree(r.body()).path("error");
                    String code = want == 401 ? "unauthorized" : "forbidden";
                    if (!code.equals(err.path("code").asText())) {
                        failures.add(row + " with " + c + ": error code " + err);
                    }
                    if (!before.equals(s.state())) {
                        failures.add(row + " with " + c + ": the state changed on a refusal");
                    }
                }
            }
        }
        return failures;
    }

    private static boolean matches(int want, int got) {
        if (want == PASSED) {
            return got != 401 && got != 403 && (got < 500 || got == 501);
        }
        return want == got;
    }
}
