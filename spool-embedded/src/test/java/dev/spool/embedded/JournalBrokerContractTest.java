package dev.spool.embedded;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.testkit.BrokerContractTest;

/**
 * The embedded engine in journal mode ({@code fsync=always}) passes the Broker contract. Each broker
 * a test opens gets its own directory under the test's temporary directory.
 */
class JournalBrokerContractTest extends BrokerContractTest {
    @TempDir
    Path tempDir;
    private int opened;

    @Override
    protected Broker newBroker(BrokerSettings settings) {
        return EmbeddedBroker.open(EmbeddedConfig.journal(tempDir.resolve("broker-" + opened++)), settings);
    }
}
