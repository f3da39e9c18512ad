package dev.spool.embedded;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.testkit.BrokerContractTest;

/** The embedded engine in memory mode passes the Broker contract. */
class MemoryBrokerContractTest extends BrokerContractTest {

    @Override
    protected Broker newBroker(BrokerSettings settings) {
        return EmbeddedBroker.open(EmbeddedConfig.memory(), settings);
    }
}
