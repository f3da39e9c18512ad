package dev.spool.api;

/**
 * What every backend is configured with, whatever its storage.
 *
 * @param autoCreateQueues create a queue with {@code queueDefaults} on its first push (pops never create one)
 * @param queueDefaults configuration of queues created without one, and base of partial updates
 * @param limits resource bounds
 * @param instrumentation receives storage timings (for metrics)
 */
public record BrokerSettings(boolean autoCreateQueues, QueueConfig queueDefaults, BrokerLimits limits,
        Instrumentation instrumentation) {

    /** Auto-create on, built-in defaults and limits, no instrumentation. */
    public static final BrokerSettings DEFAULTS = new BrokerSettings(true, QueueConfig.DEFAULTS,
            BrokerLimits.DEFAULTS, Instrumentation.NONE);

    /** Checks for nulls and validates the defaults. */
    public BrokerSettings {
        if (queueDefaults == null || limits == null || instrumentation == null) {
            throw new IllegalArgumentException("broker settings must not be null");
        }
        queueDefaults.validate();
    }

    /** A copy with auto-create on or off. */
    public BrokerSettings withAutoCreateQueues(boolean v) {
        return new BrokerSettings(v, queueDefaults, limits, instrumentation);
    }

    /** A copy with other queue defaults. */
    public BrokerSettings withQueueDefaults(QueueConfig v) {
        return new BrokerSettings(autoCreateQueues, v, limits, instrumentation);
    }

    /** A copy with other limits. */
    public BrokerSettings withLimits(BrokerLimits v) {
        return new BrokerSettings(autoCreateQueues, queueDefaults, v, instrumentation);
    }

    /** A copy with other instrumentation. */
    public BrokerSettings withInstrumentation(Instrumentation v) {
        return new BrokerSettings(autoCreateQueues, queueDefaults, limits, v);
    }
}
