package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spool.api.BrokerSettings;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;

/**
 * The verified-token cache: a hit needs the same secret and the same token-set generation, it
 * never grows past its bound, and the store's generation moves only when the set of tokens does.
 */
class TokenCacheTest {
    private static final Principal P = new Principal("tok_1 (ci)", Principal.Kind.TOKEN, "h",
            List.of(Permission.parse("produce:orders.*")));

    @Test
    void shouldAnswerOnlyTheSameSecretUnderTheSameGeneration() {
        TokenCache cache = new TokenCache();
        cache.put("spl_secret-one", 7, P);

        assertThat(cache.get("spl_secret-one", 7)).isSameAs(P);
        assertThat(cache.get("spl_secret-one", 8)).isNull();
        assertThat(cache.get("spl_secret-onE", 7)).isNull();
        assertThat(cache.get("spl_secret-one-and-more", 7)).isNull();
        assertThat(cache.get("", 7)).isNull();
    }

    @Test
    void shouldStayWithinItsBoundWhenManySecretsVerify() {
        TokenCache cache = new TokenCache();
        for (int i = 0; i < 3 * TokenCache.MAX; i++) {
            cache.put("spl_" + i, 1, P);
            assertThat(cache.size()).isLessThanOrEqualTo(TokenCache.MAX);
        }
        assertThat(cache.get("spl_" + (3 * TokenCache.MAX - 1), 1)).isSameAs(P);
    }

    @Test
    void shouldMoveGenerationOnlyWhenTheSetOfTokensChanges() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS)) {
            TokenStore store = new TokenStore(broker);
            store.reload().toCompletableFuture().join();
            long empty = store.generation();
            store.reload().toCompletableFuture().join();
            assertThat(store.generation()).isEqualTo(empty);

            TokenStore.Created t = store.create("ci", List.of("produce:orders.*")).toCompletableFuture().join();
            long created = store.generation();
            assertThat(created).isNotEqualTo(empty);
            store.reload().toCompletableFuture().join();
            assertThat(store.generation()).isEqualTo(created);

            broker.revokeToken(t.token().id()).toCompletableFuture().join();
            store.reload().toCompletableFuture().join();
            assertThat(store.generation()).isNotEqualTo(created);
            assertThat(store.byHash(TokenStore.hash(t.secret()))).isEmpty();
        }
    }
}
