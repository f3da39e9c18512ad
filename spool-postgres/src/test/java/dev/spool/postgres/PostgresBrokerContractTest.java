package dev.spool.postgres;

import java.time.Duration;
import java.util.Optional;

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

    /** Every broker shares the database: a new one over it is a restart. */
    @Override
    protected Optional<Broker> reopen(Broker broker, BrokerSettings settings) {
        broker.close();
        return Optional.of(newBroker(settings));
    }

    @Override
    protected Duration timeUnit() {
        return Duration.ofMillis(150);
    }
}
