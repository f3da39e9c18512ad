package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import dev.spool.api.SpoolException;

/** What the routes added beside the authorization matrix need: push groups, the dashboard, the status. */
class AuthHandlerRoutesTest {
    private static Principal token(String... perms) {
        return new Principal("t", Principal.Kind.TOKEN, "h", java.util.Arrays.stream(perms).map(Permission::parse)
                .toList());
    }

    @Test
    void shouldNeedAdminToConfigureAPushGroupAndConsumeToReadIt() {
        Principal consumer = token("consume:orders");
        assertThatThrownBy(() -> AuthHandler.check(consumer, HttpMethod.PUT, "/v1/queues/orders/push/hook"))
                .isInstanceOf(SpoolException.class);
        assertThatThrownBy(() -> AuthHandler.check(consumer, HttpMethod.DELETE, "/v1/queues/orders/push/hook"))
                .isInstanceOf(SpoolException.class);
        assertThatCode(() -> AuthHandler.check(consumer, HttpMethod.GET, "/v1/queues/orders/push/hook"))
                .doesNotThrowAnyException();
        assertThatCode(() -> AuthHandler.check(token("admin:orders"), HttpMethod.PUT, "/v1/queues/orders/push/hook"))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldServeTheDashboardFilesWithoutCredentialsButNotTheStatus() {
        Principal nobody = new Principal("t", Principal.Kind.TOKEN, "h", List.of());
        assertThatCode(() -> AuthHandler.check(nobody, HttpMethod.GET, "/ui/")).doesNotThrowAnyException();
        assertThatCode(() -> AuthHandler.check(nobody, HttpMethod.GET, "/ui/app.js")).doesNotThrowAnyException();
        assertThatThrownBy(() -> AuthHandler.check(nobody, HttpMethod.GET, "/v1/status"))
                .isInstanceOf(SpoolException.class);
    }
}
