package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spool.server.security.Permission;

/** The SQS settings: access keys, their grants, and what their errors and descriptions show. */
class SqsConfigTest {
    @Test
    void shouldParseKeyGrantsWhenWrittenLikeCertGrants() {
        Map<String, java.util.List<Permission>> g =
                SqsConfig.parseKeyGrants("AKIDA=produce:orders-*,consume:orders-*;AKIDB=admin:*");
        assertThat(g.get("AKIDA")).containsExactly(Permission.parse("produce:orders-*"),
                Permission.parse("consume:orders-*"));
        assertThat(g.get("AKIDB")).containsExactly(Permission.parse("admin:*"));
    }

    @Test
    void shouldRefuseGrantsWhenKeyIsUnknownOrPermissionMalformed() {
        assertThatThrownBy(() -> SqsConfig.DEFAULTS.withAccessKeys(Map.of("A", "the-secret"))
                .withKeyGrants(SqsConfig.parseKeyGrants("B=admin:*")))
                .hasMessageContaining("sqs-key-grants").hasMessageContaining("'B'")
                .hasMessageNotContaining("the-secret");
        assertThatThrownBy(() -> SqsConfig.parseKeyGrants("A=fly:*")).hasMessageContaining("sqs-key-grants");
        assertThatThrownBy(() -> SqsConfig.parseKeyGrants("nothing")).hasMessageContaining("keyid=");
    }

    @Test
    void shouldNeverShowSecretsWhenPrinted() {
        SqsConfig c = SqsConfig.DEFAULTS.withAccessKeys(Map.of("AKIDA", "the-secret"))
                .withKeyGrants(SqsConfig.parseKeyGrants("AKIDA=admin:*"));
        assertThat(c.toString()).contains("AKIDA").contains("admin:*").doesNotContain("the-secret");
    }
}
