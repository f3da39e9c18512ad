package dev.spool.api;

/**
 * Exponential backoff with optional full jitter, used when a message is nacked without an explicit
 * delay. The n-th retry (n = attempts so far, from 1) waits
 * {@code min(maxMs, initialMs * multiplier^(n-1))}; with jitter, a uniform random part of that.
 *
 * @param initialMs delay of the first retry
 * @param maxMs upper bound of any delay
 * @param multiplier growth per attempt, at least 1
 * @param jitter whether to draw the delay uniformly from [0, computed] ("full jitter")
 */
public record RetryBackoff(long initialMs, long maxMs, double multiplier, boolean jitter) {

    /** 1 s doubling to 5 min, full jitter. */
    public static final RetryBackoff DEFAULT = new RetryBackoff(1_000, 300_000, 2.0, true);

    /** The delay before retry number {@code attempts} (from 1), before jitter. */
    public long delayFor(int attempts) {
        double d = initialMs;
        for (int i = 1; i < attempts && d < maxMs; i++) {
            d *= multiplier;
        }
        return (long) Math.min(maxMs, d);
    }

    /**
     * Checks ranges.
     *
     * @param field the request field prefix, for errors
     */
    public void validate(String field) {
        Validation.range(field + ".initial_ms", initialMs, 0, Validation.MAX_DELAY_MS);
        Validation.range(field + ".max_ms", maxMs, 0, Validation.MAX_DELAY_MS);
        if (maxMs < initialMs) {
            throw SpoolException.invalid(field + ".max_ms", "max_ms must be at least initial_ms");
        }
        if (!(multiplier >= 1.0 && multiplier <= 100.0)) {
            throw SpoolException.invalid(field + ".multiplier", "multiplier must be between 1 and 100");
        }
    }
}
