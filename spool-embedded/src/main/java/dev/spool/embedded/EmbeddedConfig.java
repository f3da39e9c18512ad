package dev.spool.embedded;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Settings of the embedded engine.
 *
 * @param dataDir where the journal lives; empty for memory mode (nothing survives a restart)
 * @param fsync when writes are forced to disk (journal mode)
 * @param segmentBytes size of a journal segment file
 * @param payloadCacheBytes heap budget for payloads kept after they were written (journal mode)
 * @param commandQueueCapacity bound of the queue of commands waiting for the engine thread
 * @param snapshotEveryBytes write a snapshot after this many journal bytes since the last one
 * @param maxDedupIds most {@code dedup_id}s remembered over all queues; past it the oldest are
 *        forgotten before their window ends
 * @param maxResultBytes most bytes of task results kept over all queues; past it the oldest results
 *        are forgotten before their {@code result_ttl_ms} ends
 * @param flow limits of the flow control of pushes ({@link FlowControl})
 */
public record EmbeddedConfig(Optional<Path> dataDir, FsyncPolicy fsync, long segmentBytes, long payloadCacheBytes,
        int commandQueueCapacity, long snapshotEveryBytes, long maxDedupIds, long maxResultBytes, FlowControl flow) {

    /** Default segment size: 64 MiB. */
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /** Default payload cache: 64 MiB. */
    public static final long DEFAULT_PAYLOAD_CACHE_BYTES = 64L << 20;
    /** Default command queue bound. */
    public static final int DEFAULT_COMMAND_QUEUE = 65_536;
    /** Default snapshot distance: 512 MiB of journal. */
    public static final long DEFAULT_SNAPSHOT_EVERY_BYTES = 512L << 20;
    /** Default bound of remembered dedup ids: one million (roughly 150 MB of heap at 64-byte ids). */
    public static final long DEFAULT_MAX_DEDUP_IDS = 1_000_000;
    /** Default bound of task result bytes: 64 MiB. */
    public static final long DEFAULT_MAX_RESULT_BYTES = 64L << 20;

    /** Checks ranges. */
    public EmbeddedConfig {
        if (dataDir == null || fsync == null || flow == null) {
            throw new IllegalArgumentException("dataDir, fsync and flow must not be null");
        }
        if (segmentBytes < 4096 || payloadCacheBytes < 0 || commandQueueCapacity < 16 || snapshotEveryBytes < 4096
                || maxDedupIds < 0 || maxResultBytes < 0) {
            throw new IllegalArgumentException("embedded config values out of range");
        }
    }

    /** Memory mode: no journal. */
    public static EmbeddedConfig memory() {
        return new EmbeddedConfig(Optional.empty(), FsyncPolicy.NEVER, DEFAULT_SEGMENT_BYTES,
                DEFAULT_PAYLOAD_CACHE_BYTES, DEFAULT_COMMAND_QUEUE, DEFAULT_SNAPSHOT_EVERY_BYTES, DEFAULT_MAX_DEDUP_IDS,
                DEFAULT_MAX_RESULT_BYTES, FlowControl.DEFAULTS);
    }

    /** Journal mode in {@code dir} with {@code fsync=always}. */
    public static EmbeddedConfig journal(Path dir) {
        return new EmbeddedConfig(Optional.of(dir), FsyncPolicy.ALWAYS, DEFAULT_SEGMENT_BYTES,
                DEFAULT_PAYLOAD_CACHE_BYTES, DEFAULT_COMMAND_QUEUE, DEFAULT_SNAPSHOT_EVERY_BYTES, DEFAULT_MAX_DEDUP_IDS,
                DEFAULT_MAX_RESULT_BYTES, FlowControl.DEFAULTS);
    }

    /** Whether a journal is kept. */
    public boolean durable() {
        return dataDir.isPresent();
    }

    /** A copy with another fsync policy. */
    public EmbeddedConfig withFsync(FsyncPolicy v) {
        return new EmbeddedConfig(dataDir, v, segmentBytes, payloadCacheBytes, commandQueueCapacity,
                snapshotEveryBytes, maxDedupIds, maxResultBytes, flow);
    }

    /** A copy with another segment size. */
    public EmbeddedConfig withSegmentBytes(long v) {
        return new EmbeddedConfig(dataDir, fsync, v, payloadCacheBytes, commandQueueCapacity, snapshotEveryBytes,
                maxDedupIds, maxResultBytes, flow);
    }

    /** A copy with another payload cache budget. */
    public EmbeddedConfig withPayloadCacheBytes(long v) {
        return new EmbeddedConfig(dataDir, fsync, segmentBytes, v, commandQueueCapacity, snapshotEveryBytes,
                maxDedupIds, maxResultBytes, flow);
    }

    /** A copy with another command queue bound. */
    public EmbeddedConfig withCommandQueueCapacity(int v) {
        return new EmbeddedConfig(dataDir, fsync, segmentBytes, payloadCacheBytes, v, snapshotEveryBytes,
                maxDedupIds, maxResultBytes, flow);
    }

    /** A copy with another snapshot distance. */
    public EmbeddedConfig withSnapshotEveryBytes(long v) {
        return new EmbeddedConfig(dataDir, fsync, segmentBytes, payloadCacheBytes, commandQueueCapacity, v,
                maxDedupIds, maxResultBytes, flow);
    }

    /** A copy with another bound of remembered dedup ids. */
    public EmbeddedConfig withMaxDedupIds(long v) {
        return new EmbeddedConfig(dataDir, fsync, segmentBytes, payloadCacheBytes, commandQueueCapacity,
                snapshotEveryBytes, v, maxResultBytes, flow);
    }

    /** A copy with another bound of task result bytes. */
    public EmbeddedConfig withMaxResultBytes(long v) {
        return new EmbeddedConfig(dataDir, fsync, segmentBytes, payloadCacheBytes, commandQueueCapacity,
                snapshotEveryBytes, maxDedupIds, v, flow);
    }

    /** A copy with other flow-control limits. */
    public EmbeddedConfig withFlow(FlowControl v) {
        return new EmbeddedConfig(dataDir, fsync, segmentBytes, payloadCacheBytes, commandQueueCapacity,
                snapshotEveryBytes, maxDedupIds, maxResultBytes, v);
    }

    /** Applies the global bounds of dedup ids and results to a state machine (before its engine starts). */
    void bound(StateMachine sm, long now) {
        sm.dedup.max(maxDedupIds);
        sm.results.max(maxResultBytes, now);
    }
}
