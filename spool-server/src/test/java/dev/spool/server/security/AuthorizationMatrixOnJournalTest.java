package dev.spool.server.security;

import java.nio.file.Files;

import dev.spool.server.ServerConfig;

/** The authorization matrix on the embedded engine with its journal (tokens in journal records). */
class AuthorizationMatrixOnJournalTest extends AuthorizationMatrixTest {
    @Override
    ServerConfig storage() throws Exception {
        ServerConfig m = ServerConfig.ephemeralMemory();
        return m.withStorage(m.storage().withStorage(ServerConfig.Storage.JOURNAL)
                .withDataDir(Files.createTempDirectory("spool-authz")));
    }
}
