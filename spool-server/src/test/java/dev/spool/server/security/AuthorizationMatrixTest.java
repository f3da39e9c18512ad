package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import dev.spool.server.ServerConfig;
import dev.spool.server.security.AuthorizationMatrix.Need;
import dev.spool.server.security.AuthorizationMatrix.Req;
import dev.spool.server.security.AuthorizationMatrix.Row;

/**
 * The authorization matrix over HTTPS with tokens and client certificates ({@link AuthorizationMatrix}),
 * transactions refused whole, the same 403 whether a queue exists or not, and no secret in the
 * log of the whole run. A backend subclass supplies the storage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class AuthorizationMatrixTest {
    SecuredServer s;
    AuthorizationMatrix matrix;
    final List<String> secrets = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Level rootLevel;
    private Level spoolLevel;

    /** The configuration with this backend's storage. */
    abstract ServerConfig storage() throws Exception;

    /** Key material of the storage's encryption keyring, which must never be logged either. */
    List<String> keyMaterial() {
        return List.of();
    }

    /** Whether to run every row (else a smaller set). */
    boolean fullMatrix() {
        return true;
    }

    @BeforeAll
    void start() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger spool = (Logger) LoggerFactory.getLogger("dev.spool");
        rootLevel = root.getLevel();
        spoolLevel = spool.getLevel();
        root.setLevel(Level.DEBUG);
        spool.setLevel(Level.DEBUG);
        log.start();
        root.addAppender(log);
        s = new SecuredServer(storage());
        matrix = new AuthorizationMatrix(s);
        secrets.add(SecuredServer.ADMIN);
        secrets.addAll(keyMaterial());
        assertThat(s.admin("PUT", "/v1/queues/orders.a", "{}").statusCode()).isEqualTo(200);
        assertThat(s.admin("PUT", "/v1/queues/secret.b", "{}").statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        if (s != null) {
            s.close();
        }
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(log);
        root.setLevel(rootLevel);
        ((Logger) LoggerFactory.getLogger("dev.spool")).setLevel(spoolLevel);
    }

    private static String push(SecuredServer s) throws Exception {
        return "{\"messages\":[{\"payload\":{\"n\":1}}]}";
    }

    /** Pushes a message and leases it with the admin token; returns a body holding its receipt. */
    private static Req leased(SecuredServer s, String path) throws Exception {
        s.admin("POST", "/v1/queues/orders.a/messages", push(s));
        HttpResponse<String> r = s.admin("POST", "/v1/queues/orders.a/pop", "{\"max\":1,\"visibility_ms\":60000}");
        String receipt = SecuredServer.JSON.readTree(r.body()).path("messages").get(0).get("receipt").asText();
        return new Req(path, "{\"receipts\":[\"" + receipt + "\"]}");
    }

    List<Row> rows() throws Exception {
        String id = SecuredServer.JSON.readTree(s.admin("POST", "/v1/queues/orders.a/messages", push(s)).body())
                .get("ids").get(0).asText();
        List<Row> rows = new ArrayList<>(List.of(
                new Row("GET", "/v1/queues", (String) null, Need.ANY_IDENTITY, 200),
                new Row("PUT", "/v1/queues/orders.a", "{}", Need.ADMIN, 200),
                new Row("GET", "/v1/queues/orders.a", (String) null, Need.ANY_GRANT, 200),
                new Row("POST", "/v1/queues/orders.a/messages", push(s), Need.PRODUCE, 200),
                new Row("POST", "/v1/queues/orders.a/pop", "{\"max\":1}", Need.CONSUME, 200),
                new Row("POST", "/v1/queues/orders.a/ack", (x, run) -> leased(x, "/v1/queues/orders.a/ack"),
                        Need.CONSUME, 200),
                new Row("POST", "/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"orders.a\",\"messages\":"
                        + "[{\"payload\":1}]}]}", Need.PRODUCE, 200),
                new Row("GET", "/v1/tokens", (String) null, Need.ADMIN_EVERYWHERE, 200),
                new Row("POST", "/v1/queues/orders.a/purge", "{}", Need.ADMIN, 200)));
        if (!fullMatrix()) {
            return rows;
        }
        rows.addAll(rows.size() - 1, List.of(
                new Row("DELETE", "/v1/queues/orders.del", (x, run) -> {
                    x.admin("PUT", "/v1/queues/orders.del" + run, "{}");
                    return new Req("/v1/queues/orders.del" + run, null);
                }, Need.ADMIN, 204),
                new Row("POST", "/v1/queues/orders.a/nack", (x, run) -> leased(x, "/v1/queues/orders.a/nack"),
                        Need.CONSUME, 200),
                new Row("POST", "/v1/queues/orders.a/extend", (x, run) -> leased(x, "/v1/queues/orders.a/extend"),
                        Need.CONSUME, 200),
                new Row("GET", "/v1/queues/orders.a/messages?state=ready", (String) null, Need.CONSUME, 200),
                new Row("GET", "/v1/queues/orders.a/messages/" + id, (String) null, Need.PRODUCE_OR_CONSUME, 200),
                new Row("POST", "/v1/queues/orders.a/redrive", "{}", Need.CONSUME, 200),
                new Row("GET", "/v1/queues/orders.a/groups", (String) null, Need.CONSUME, 200),
                new Row("PUT", "/v1/queues/orders.a/groups/g", (x, run) -> new Req("/v1/queues/orders.a/groups/g"
                        + run, "{\"start\":\"earliest\"}"), Need.ADMIN, 200),
                new Row("DELETE", "/v1/queues/orders.a/groups/gd", (x, run) -> {
                    x.admin("PUT", "/v1/queues/orders.a/groups/gd" + run, "{}");
                    return new Req("/v1/queues/orders.a/groups/gd" + run, null);
                }, Need.ADMIN, 204),
                new Row("GET", "/v1/stream", (String) null, Need.ANY_IDENTITY, 400),
                new Row("POST", "/v1/locks/orders.l/acquire", "{\"owner\":\"o\",\"ttl_ms\":1000}", Need.LOCK,
                        AuthorizationMatrix.PASSED),
                new Row("GET", "/v1/locks/orders.l", (String) null, Need.LOCK, AuthorizationMatrix.PASSED),
                new Row("POST", "/v1/tokens", "{\"name\":\"made\",\"permissions\":[\"produce:x\"]}",
                        Need.ADMIN_EVERYWHERE, 201),
                new Row("DELETE", "/v1/tokens/id", (x, run) -> new Req("/v1/tokens/" + x.token("gone")[0], null),
                        Need.ADMIN_EVERYWHERE, 204),
                new Row("GET", "/metrics", (String) null, Need.ADMIN_EVERYWHERE, 200),
                new Row("POST", "/", "{}", Need.ADMIN_EVERYWHERE, AuthorizationMatrix.PASSED)));
        return rows;
    }

    @Test
    @Order(1)
    void shouldAnswerEveryRouteWithTheExpectedStatusForEveryCredential() throws Exception {
        List<String> failures = matrix.run(rows());
        secrets.addAll(matrix.secrets);

        assertThat(failures).isEmpty();
    }

    @Test
    @Order(2)
    void shouldRefuseWholeTransactionWhenOneOpIsNotAllowed() throws Exception {
        String[] t = s.token("tx", "produce:orders.*");
        secrets.add(t[1]);
        String before = s.state();

        HttpResponse<String> r = s.plain.send("POST", "/v1/tx", "{\"ops\":[{\"op\":\"push\",\"queue\":\"orders.a\","
                + "\"messages\":[{\"payload\":1}]},{\"op\":\"push\",\"queue\":\"secret.b\",\"messages\":"
                + "[{\"payload\":2}]}]}", t[1]);

        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode err = SecuredServer.JSON.readTree(r.body()).path("error");
        assertThat(err.path("code").asText()).isEqualTo("forbidden");
        assertThat(err.path("message").asText()).contains("op 1");
        assertThat(s.state()).isEqualTo(before);
    }

    @Test
    @Order(3)
    void shouldGiveTheSameRefusalWhetherTheQueueExistsOrNot() throws Exception {
        String[] t = s.token("nosy", "consume:orders.*");
        secrets.add(t[1]);

        HttpResponse<String> existing = s.plain.send("GET", "/v1/queues/secret.b", null, t[1]);
        HttpResponse<String> missing = s.plain.send("GET", "/v1/queues/secret.none", null, t[1]);
        HttpResponse<String> list = s.plain.send("GET", "/v1/queues", null, t[1]);

        assertThat(existing.statusCode()).isEqualTo(403);
        assertThat(missing.statusCode()).isEqualTo(403);
        JsonNode e1 = SecuredServer.JSON.readTree(existing.body()).path("error");
        JsonNode e2 = SecuredServer.JSON.readTree(missing.body()).path("error");
        assertThat(e1.path("code").asText()).isEqualTo(e2.path("code").asText()).isEqualTo("forbidden");
        // every reply has its own request_id; the rest must not tell the two apart
        assertThat(e1.path("message").asText().replace("secret.b", "Q"))
                .isEqualTo(e2.path("message").asText().replace("secret.none", "Q"));
        assertThat(list.body()).contains("orders.a").doesNotContain("secret.b");
    }

    @Test
    @Order(4)
    void shouldRefuseDeadLetterTargetTheCallerDoesNotAdminister() throws Exception {
        String[] t = s.token("dlq", "admin:orders.*");
        secrets.add(t[1]);
        String before = s.state();

        HttpResponse<String> r = s.plain.send("PUT", "/v1/queues/orders.a", "{\"dead_letter_queue\":\"secret.b\"}",
                t[1]);
        HttpResponse<String> own = s.plain.send("PUT", "/v1/queues/orders.b", "{\"dead_letter_queue\":\"orders.b.dead\"}",
                t[1]);

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(before).doesNotContain("orders.b");
    }

    @Test
    @Order(5)
    void shouldLetAGrantOnTheSourceQueueCoverItsDeadLetterQueue() throws Exception {
        String[] t = s.token("dl", "consume:orders.a");
        secrets.add(t[1]);
        s.admin("PUT", "/v1/queues/orders.a.dlq", "{}");

        assertThat(s.plain.send("POST", "/v1/queues/orders.a.dlq/pop", "{\"max\":1}", t[1]).statusCode())
                .isEqualTo(200);
        assertThat(s.plain.send("POST", "/v1/queues/orders.b.dlq/pop", "{\"max\":1}", t[1]).statusCode())
                .isEqualTo(403);
    }

    @Test
    @Order(100)
    void shouldNeverLogATokenSecret() {
        assertThat(secrets).hasSizeGreaterThan(10);
        assertThat(log.list).isNotEmpty();
        for (ILoggingEvent e : log.list) {
            String line = e.getFormattedMessage() + " " + e.getKeyValuePairs() + " "
                    + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            for (String secret : secrets) {
                assertThat(line).as("a log line").doesNotContain(secret);
            }
        }
    }
}
