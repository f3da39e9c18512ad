package dev.spool.postgres;

import java.time.Duration;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.testkit.BrokerContractTest;

/** The Broker contract suite against PostgreSQL: every broker of this class shares one fresh database. */
class PostgresBrokerContractTest extends BrokerContractTest {
    private static PostgresConfig config;

    @Override
    protected Broker newBroker(BrokerSettings settings) {
        synchronized (PostgresBrokerContractTest.class) {
            if (config == null) {
                config = TestPostgres.newDatabase("contract");
            }
        }
        return PostgresBroker.open(config, settings);
    }

    /** Every broker of the class shares one database: reopening is opening another broker on it. */
    @Override
    protected boolean supportsRestart() {
        return true;
    }

    @Override
    protected Broker reopen(Broker closed, BrokerSettings settings) {
        return PostgresBroker.open(config, settings);
    }

    @Override
    protected Duration timeUnit() {
        return Duration.ofMillis(150);
    }
}
