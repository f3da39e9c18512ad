package dev.spool.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spool.api.AccessToken;
import dev.spool.api.ErrorCode;

/**
 * Access tokens: the broker stores what the server hands it (a hash, never a secret), lists the
 * tokens not revoked, and forgets a revoked one. Ids are unique per test because brokers of some
 * backends share one database between tests.
 */
abstract class TokenContract extends ContractSupport {

    TokenContract(BrokerContractTest suite) {
        super(suite);
    }

    @BeforeEach
    void onlyWhereTokensAreStored() {
        assumeTokens();
    }

    private static AccessToken token(String id, String... perms) {
        byte[] h = new byte[32];
        ThreadLocalRandom.current().nextBytes(h);
        return new AccessToken(id, "ci " + id, java.util.HexFormat.of().formatHex(h), List.of(perms),
                System.currentTimeMillis());
    }

    private String tokenId() {
        return queueName().replace('.', '-');
    }

    @Test
    void shouldListTokenWithItsHashAndPermissionsWhenPut() {
        AccessToken t = token(tokenId(), "produce:orders.*", "consume:orders.*");

        AccessToken stored = get(broker().putToken(t));
        List<AccessToken> all = get(broker().listTokens());

        assertThat(stored).isEqualTo(t);
        assertThat(all).contains(t);
    }

    @Test
    void shouldRefuseSecondTokenWhenIdExists() {
        AccessToken t = token(tokenId(), "admin:*");
        get(broker().putToken(t));

        failure(ErrorCode.CONFLICT, () -> broker().putToken(token(t.id(), "produce:*")));

        assertThat(get(broker().listTokens())).filteredOn(x -> x.id().equals(t.id())).containsExactly(t);
    }

    @Test
    void shouldForgetTokenWhenRevoked() {
        AccessToken t = token(tokenId(), "lock:*");
        get(broker().putToken(t));

        get(broker().revokeToken(t.id()));

        assertThat(get(broker().listTokens())).extracting(AccessToken::id).doesNotContain(t.id());
        failure(ErrorCode.NOT_FOUND, () -> broker().revokeToken(t.id()));
    }

    @Test
    void shouldFailWithNotFoundWhenRevokingUnknownToken() {
        failure(ErrorCode.NOT_FOUND, () -> broker().revokeToken(tokenId()));
    }
}
