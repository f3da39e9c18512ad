package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.AccessToken;
import dev.spool.api.BrokerSettings;

/**
 * Access tokens survive a restart, from the journal records alone and from a snapshot, and a
 * revocation survives too.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalTokenTest {
    private static final String HASH_A = "a".repeat(64);
    private static final String HASH_B = "b".repeat(64);

    @TempDir
    Path dir;

    private EmbeddedBroker open() {
        return EmbeddedBroker.open(EmbeddedConfig.journal(dir), BrokerSettings.DEFAULTS);
    }

    private static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static AccessToken token(String id, String hash) {
        return new AccessToken(id, "name-" + id, hash, List.of("produce:orders.*", "admin:*"), 1_700_000_000_000L);
    }

    @Test
    void shouldRestoreTokensAndRevocationsWhenReplayingTheJournal() {
        try (EmbeddedBroker b = open()) {
            get(b.putToken(token("t1", HASH_A)));
            get(b.putToken(token("t2", HASH_B)));
            get(b.revokeToken("t1"));
        }
        try (EmbeddedBroker b = open()) {
            assertThat(b.journal().recoveredFromSnapshot()).isFalse();
            assertThat(get(b.listTokens())).containsExactly(token("t2", HASH_B));
        }
    }

    @Test
    void shouldRestoreTokensWhenLoadingASnapshot() {
        try (EmbeddedBroker b = open()) {
            get(b.putToken(token("t1", HASH_A)));
            get(b.putToken(token("t2", HASH_B)));
            JournalRecoveryTest.snapshotNow(b);
            get(b.revokeToken("t2"));
        }
        try (EmbeddedBroker b = open()) {
            assertThat(b.journal().recoveredFromSnapshot()).isTrue();
            assertThat(get(b.listTokens())).containsExactly(token("t1", HASH_A));
        }
    }

    @Test
    void shouldReportJournalCleanWhenItHoldsTokenRecords() throws Exception {
        try (EmbeddedBroker b = open()) {
            get(b.putToken(token("t1", HASH_A)));
            get(b.revokeToken("t1"));
        }
        JournalTool.Report r = JournalTool.check(dir);
        assertThat(r.verdict()).isEqualTo(JournalTool.Verdict.CLEAN);
        assertThat(r.records()).isEqualTo(2);
    }
}
