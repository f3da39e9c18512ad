package dev.spool.server.security;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

import dev.spool.api.crypto.AtRest;
import dev.spool.api.crypto.Keyring;
import dev.spool.server.ServerConfig;

/**
 * The authorization matrix on the embedded engine with its journal (tokens in journal records),
 * every queue and lock state encrypted at rest ({@code encrypt-all}).
 */
class AuthorizationMatrixOnJournalTest extends AuthorizationMatrixTest {
    private static final String KEY = Keyring.newKeyLine("matrix-key");

    @Override
    ServerConfig storage() throws Exception {
        ServerConfig m = ServerConfig.ephemeralMemory();
        return m.withStorage(m.storage().withStorage(ServerConfig.Storage.JOURNAL)
                .withDataDir(Files.createTempDirectory("spool-authz")))
                .withSecurity(m.security().withAtRest(new AtRest(Optional.of(Keyring.parse(KEY, "test")), true)));
    }

    @Override
    List<String> keyMaterial() {
        return List.of(KEY.substring(KEY.indexOf(':') + 1));
    }
}
