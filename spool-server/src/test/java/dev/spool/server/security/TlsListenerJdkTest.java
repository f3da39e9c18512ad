package dev.spool.server.security;

/** Every case of {@link TlsListenerTest} with {@code tls-engine: jdk} (the JDK's JSSE). */
class TlsListenerJdkTest extends TlsListenerTest {
    @Override
    SecurityConfig.TlsEngine engine() {
        return SecurityConfig.TlsEngine.JDK;
    }
}
