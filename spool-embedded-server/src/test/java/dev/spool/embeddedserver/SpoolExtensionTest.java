package dev.spool.embeddedserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.NewMessage;
import dev.spool.client.SpoolClient;

/** {@link SpoolTest} with journal storage: one server for the class, injected everywhere. */
@SpoolTest(journal = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpoolExtensionTest {
    private static EmbeddedSpool first;

    @BeforeAll
    static void remember(EmbeddedSpool spool) {
        first = spool;
    }

    @AfterAll
    static void sameServerForTheWholeClass(EmbeddedSpool spool) {
        assertThat(spool).isSameAs(first);
    }

    @Test
    void shouldInjectTheClientOfTheInjectedServer(SpoolClient client, EmbeddedSpool spool) {
        assertThat(client).isSameAs(spool.client());
        assertThat(client.options().baseUrl().toString()).isEqualTo(spool.url());
        assertThat(spool.server().config().storage().storage().wire()).isEqualTo("journal");
    }

    @Test
    void shouldSeeOnlyItsOwnMessagesWhenCleanBetweenTests(SpoolClient client) {
        SpoolClient.await(client.push("shared", List.of(NewMessage.ofUtf8("mine"))));
        assertThat(SpoolClient.await(client.getQueue("shared")).stats().ready()).isEqualTo(1);
    }

    @Test
    void shouldSeeOnlyItsOwnMessagesInAnotherTestToo(SpoolClient client) {
        SpoolClient.await(client.push("shared", List.of(NewMessage.ofUtf8("also mine"))));
        assertThat(SpoolClient.await(client.getQueue("shared")).stats().ready()).isEqualTo(1);
    }
}
