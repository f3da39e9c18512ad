package dev.spool.embedded;

import dev.spool.api.BrokerSettings;

/**
 * The embedded engine as a {@link dev.spool.api.Broker}. Placeholder while the engine is built.
 */
public final class EmbeddedBroker {
    private EmbeddedBroker() {
    }

    /** Opens an engine. */
    public static dev.spool.api.Broker open(EmbeddedConfig config, BrokerSettings settings) {
        throw new UnsupportedOperationException("engine not built yet");
    }
}
