package dev.spool.it;

/**
 * What one measured window of a push + pop + ack loop did: messages acked and pushed, its length,
 * and the CPU seconds that PostgreSQL (the postmaster and its backends), the Spool server processes
 * (0 for the floor, which has none) and the clients (the test JVM) used in it.
 */
record LoopFigures(long acked, long pushed, double seconds, double pgCpu, double serverCpu, double clientCpu) {

    /** Messages acked per second of the window. */
    double rate() {
        return acked / seconds;
    }

    /** Microseconds of the given CPU seconds per acked message. */
    double perMessageUs(double cpuSeconds) {
        return acked == 0 ? 0 : cpuSeconds * 1e6 / acked;
    }

    /** CPU seconds of the whole loop. */
    double totalCpu() {
        return pgCpu + serverCpu + clientCpu;
    }
}
