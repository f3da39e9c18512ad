package dev.spool.embedded;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.testkit.BrokerContractTest;

/**
 * The embedded engine in journal mode ({@code fsync=always}) passes the Broker contract. Each broker
 * a test opens gets its own directory under the test's temporary directory; a restart reopens it.
 */
class JournalBrokerContractTest extends BrokerContractTest {
    @TempDir
    Path tempDir;
    private int opened;
    private final Map<Broker, Path> dirs = new IdentityHashMap<>();

    @Override
    protected Broker newBroker(BrokerSettings settings) {
        return openAt(tempDir.resolve("broker-" + opened++), settings);
    }

    @Override
    protected boolean supportsRestart() {
        return true;
    }

    @Override
    protected Broker reopen(Broker closed, BrokerSettings settings) {
        return openAt(dirs.get(closed), settings);
    }

    private Broker openAt(Path dir, BrokerSettings settings) {
        Broker b = EmbeddedBroker.open(EmbeddedConfig.journal(dir), settings);
        dirs.put(b, dir);
        return b;
    }
}
