package dev.spool.api;

import dev.spool.api.crypto.AtRest;

/**
 * What every backend is configured with, whatever its storage.
 *
 * @param autoCreateQueues create a queue with {@code queueDefaults} on its first push (pops never create one)
 * @param queueDefaults configuration of queues created without one, and base of partial updates
 * @param limits resource bounds
 * @param instrumentation receives storage timings (for metrics)
 * @param atRest encryption at rest (keyring, encrypt-all); {@link AtRest#NONE} for none
 */
public record BrokerSettings(boolean autoCreateQueues, QueueConfig queueDefaults, BrokerLimits limits,
        Instrumentation instrumentation, AtRest atRest) {

    /** Auto-create on, built-in defaults and limits, no instrumentation. */
    public static final BrokerSettings DEFAULTS = new BrokerSettings(true, QueueConfig.DEFAULTS,
            BrokerLimits.DEFAULTS, Instrumentation.NONE);

    /** Checks for nulls and validates the defaults (an encrypted default needs a keyring). */
    public BrokerSettings {
        if (queueDefaults == null || limits == null || instrumentation == null || atRest == null) {
            throw new IllegalArgumentException("broker settings must not be null");
        }
        atRest.check(queueDefaults.validate());
    }

    /** Settings without encryption at rest. */
    public BrokerSettings(boolean autoCreateQueues, QueueConfig queueDefaults, BrokerLimits limits,
            Instrumentation instrumentation) {
        this(autoCreateQueues, queueDefaults, limits, instrumentation, AtRest.NONE);
    }

    /** A copy with auto-create on or off. */
    public BrokerSettings withAutoCreateQueues(boolean v) {
        return new BrokerSettings(v, queueDefaults, limits, instrumentation, atRest);
    }

    /** A copy with other queue defaults. */
    public BrokerSettings withQueueDefaults(QueueConfig v) {
        return new BrokerSettings(autoCreateQueues, v, limits, instrumentation, atRest);
    }

    /** A copy with other limits. */
    public BrokerSettings withLimits(BrokerLimits v) {
        return new BrokerSettings(autoCreateQueues, queueDefaults, v, instrumentation, atRest);
    }

    /** A copy with other instrumentation. */
    public BrokerSettings withInstrumentation(Instrumentation v) {
        return new BrokerSettings(autoCreateQueues, queueDefaults, limits, v, atRest);
    }

    /** A copy with other encryption-at-rest settings. */
    public BrokerSettings withAtRest(AtRest v) {
        return new BrokerSettings(autoCreateQueues, queueDefaults, limits, instrumentation, v);
    }
}
