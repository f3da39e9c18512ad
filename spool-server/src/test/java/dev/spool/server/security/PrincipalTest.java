package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spool.server.security.Permission.Action;

class PrincipalTest {
    private static Principal holding(String... grants) {
        return new Principal("t", Principal.Kind.TOKEN, "h",
                java.util.Arrays.stream(grants).map(Permission::parse).toList());
    }

    @Test
    void shouldKeepTheServersOwnNamesForAdminsOnEverythingWhenGrantsCoverThemByPattern() {
        Principal producer = holding("produce:*", "consume:*", "lock:*", "admin:orders.*");
        assertThat(producer.allows(Action.PRODUCE, "orders")).isTrue();
        assertThat(producer.allows(Action.PRODUCE, "spool.fleet.f1")).isFalse();
        assertThat(producer.allows(Action.CONSUME, "spool.fleet.f1.payload")).isFalse();
        assertThat(producer.allows(Action.LOCK, "spool.fleet-set.devices")).isFalse();
        assertThat(producer.sees("spool.fleet.f1")).isFalse();

        Principal named = holding("produce:spool.fleet.f1");
        assertThat(named.allows(Action.PRODUCE, "spool.fleet.f1")).isFalse();

        Principal admin = holding("admin:*");
        assertThat(admin.allows(Action.PRODUCE, "spool.fleet.f1")).isTrue();
        assertThat(Principal.OPEN.allows(Action.PRODUCE, "spool.fleet.f1")).isTrue();
        assertThat(holding(List.<String>of().toArray(new String[0])).allows(Action.PRODUCE, "spool.x")).isFalse();
    }
}
