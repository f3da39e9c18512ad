/**
 * The load generator behind {@code spool bench}: end-to-end scenarios that drive a Spool server over
 * HTTP, the {@code /v1/stream} WebSocket or the Broker API in process, and report throughput,
 * latency percentiles (HdrHistogram), errors, a delivery audit and where the CPU time went.
 *
 * <p>Entry points: {@link dev.spool.bench.BenchCommand} (the picocli {@code bench} command, one
 * subcommand per scenario) and {@link dev.spool.bench.BenchMain} (a standalone {@code main}).
 */
package dev.spool.bench;
