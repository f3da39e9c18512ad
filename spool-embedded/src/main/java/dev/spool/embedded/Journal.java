package dev.spool.embedded;

import java.io.IOException;
import java.util.function.LongSupplier;

import dev.spool.api.BrokerSettings;

/** The durable journal. */
final class Journal {
    static final int MAX_RESULT_BYTES = 1 << 20;

    static Journal open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock) throws IOException {
        throw new IOException("journal mode is not available yet");
    }

    Engine engine() {
        throw new IllegalStateException();
    }

    void closeFiles() {
    }
}
