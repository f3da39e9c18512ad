package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;

import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import org.junit.jupiter.api.Test;

import dev.spool.api.SpoolException;
import dev.spool.server.ServerConfig;

/**
 * {@code tls-engine}: parsed from the configuration, and resolved to BoringSSL or the JDK's TLS.
 * The handshakes themselves are {@link TlsListenerTest} (auto) and {@link TlsListenerJdkTest}.
 */
class TlsEngineTest {
    private static boolean linuxX64() {
        return System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && "amd64".equals(System.getProperty("os.arch"));
    }

    @Test
    void shouldResolveAutoAndOpensslToBoringSslWhenItsNativeLibraryShipsForThisPlatform() {
        assumeTrue(linuxX64(), "netty-tcnative is shipped for linux-x86_64 only");

        TlsSetup.Engine auto = TlsSetup.engine(SecurityConfig.TlsEngine.AUTO);
        TlsSetup.Engine openssl = TlsSetup.engine(SecurityConfig.TlsEngine.OPENSSL);

        assertThat(auto.name()).isEqualTo("openssl");
        assertThat(auto.options()).isInstanceOf(OpenSSLEngineOptions.class);
        assertThat(openssl.options()).isInstanceOf(OpenSSLEngineOptions.class);
    }

    @Test
    void shouldResolveJdkWhenAskedEvenWhenBoringSslLoads() {
        TlsSetup.Engine jdk = TlsSetup.engine(SecurityConfig.TlsEngine.JDK);

        assertThat(jdk.name()).isEqualTo("jdk");
        assertThat(jdk.options()).isInstanceOf(JdkSSLEngineOptions.class);
    }

    @Test
    void shouldReadEngineFromConfigAndDefaultToAuto() {
        Map<String, String> tls = Map.of("tls-cert", "server.pem", "tls-key", "server.key");
        ServerConfig byDefault = ServerConfig.load(tls, Map.of());
        ServerConfig jdk = ServerConfig.load(tls, Map.of("SPOOL_TLS_ENGINE", "JDK"));

        assertThat(byDefault.security().tls().orElseThrow().engine()).isEqualTo(SecurityConfig.TlsEngine.AUTO);
        assertThat(jdk.security().tls().orElseThrow().engine()).isEqualTo(SecurityConfig.TlsEngine.JDK);
    }

    @Test
    void shouldRefuseUnknownEngineNamingTheKey() {
        Map<String, String> flags = Map.of("tls-cert", "server.pem", "tls-key", "server.key", "tls-engine", "gnutls");

        assertThatThrownBy(() -> ServerConfig.load(flags, Map.of())).isInstanceOf(SpoolException.class)
                .hasMessageContaining("tls-engine").hasMessageContaining("auto, jdk or openssl");
    }
}
