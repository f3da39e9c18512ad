package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The parent pom's {@code jackson.version} is the Jackson on the class path: a BOM imported
 * before Jackson's (Vert.x pins its own) must not win silently (issue 18).
 */
class JacksonVersionTest {
    @Test
    void shouldUseTheJacksonVersionOfTheParentPomWhenBuilt() {
        String wanted = System.getProperty("jackson.version");
        assertThat(wanted).as("surefire passes the pom property").isNotBlank();
        assertThat(com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString()).isEqualTo(wanted);
        assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString()).isEqualTo(wanted);
    }
}
