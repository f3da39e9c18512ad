package dev.spool.bench;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.bench.LoadSpec.Primary;
import dev.spool.bench.LoadSpec.Transport;

/**
 * The scenarios of {@code spool bench}: each is a preset {@link LoadSpec} whose parameters are flags
 * with the scenario's defaults. They all run through {@link Runner}.
 */
final class Scenarios {
    private Scenarios() {
    }

    /** What every scenario command shares: the common options and the way to run a spec. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Spec
        CommandSpec command;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        abstract LoadSpec load();

        /** Runs the scenario; a bad option value is a usage error (exit code 2), not a failed run. */
        @Override
        public Integer call() throws Exception {
            PrintWriter out = command.commandLine().getOut();
            PrintWriter err = command.commandLine().getErr();
            LoadSpec spec;
            try {
                spec = load();
                Runner.validate(common, spec);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(command.commandLine(), e.getMessage(), e);
            }
            try {
                return Runner.run(common, spec, out, err);
            } catch (SpoolException e) {
                if (e.code() == ErrorCode.INVALID_ARGUMENT) {
                    throw new ParameterException(command.commandLine(), e.getMessage(), e);
                }
                throw e;
            }
        }
    }

    @Command(name = "throughput", sortOptions = false,
            description = {"P producers and C consumers as fast as the server acknowledges.",
                "msgs_per_s counts deliveries; p50/p99 are push request latencies."})
    static final class Throughput extends Base {
        @Option(names = "--producers", defaultValue = "4", description = "producers (default: ${DEFAULT-VALUE})")
        int producers;
        @Option(names = "--consumers", defaultValue = "4", description = "consumers (default: ${DEFAULT-VALUE})")
        int consumers;
        @Option(names = "--batch", defaultValue = "10", description = "messages per push (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--size", defaultValue = "100", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--transport", defaultValue = "http",
                description = "http (request/response), stream (WebSocket), inprocess (Broker API, no HTTP)"
                        + " or sqs (the SQS endpoint, batches of at most 10) (default: ${DEFAULT-VALUE})")
        String transport;
        @Option(names = "--pop-max", defaultValue = "100", description = "messages per pop (default: ${DEFAULT-VALUE})")
        int popMax;
        @Option(names = "--prefetch", defaultValue = "100",
                description = "stream subscription credit (default: ${DEFAULT-VALUE})")
        int prefetch;
        @Option(names = "--keys", defaultValue = "0",
                description = "ordering keys, 0 for none (default: ${DEFAULT-VALUE})")
        int keys;
        @Option(names = "--ack-each", description = "one ack request per message")
        boolean ackEach;

        @Override
        LoadSpec load() {
            return new LoadSpec("throughput", Transport.parse(transport), producers, consumers, 1, batch, size, keys,
                    popMax, prefetch, ackEach, 0, false, Primary.PUSH);
        }
    }

    @Command(name = "claim-latency", sortOptions = false,
            description = {"A producer at a fixed rate, W workers long-polling pop max=1 then acking.",
                "The rate is open loop: pushes go out on schedule whatever the replies do.",
                "p50/p99 are from push acknowledgement to delivery; target p99 <= 5 ms, no errors."})
    static final class ClaimLatency extends Base {
        @Option(names = "--rate", defaultValue = "1000",
                description = "messages per second (default: ${DEFAULT-VALUE})")
        double rate;
        @Option(names = "--workers", defaultValue = "300", description = "workers (default: ${DEFAULT-VALUE})")
        int workers;
        @Option(names = "--size", defaultValue = "100", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--transport", defaultValue = "http",
                description = "http, stream or inprocess (default: ${DEFAULT-VALUE})")
        String transport;

        @Override
        LoadSpec load() {
            return new LoadSpec("claim-latency", Transport.parse(transport), 1, workers, 1, 1, size, 0, 1, 1, false,
                    rate, false, Primary.DELIVERY);
        }
    }

    @Command(name = "lockd", sortOptions = false,
            description = {"lockd's queue benchmark over the stream WebSocket.",
                "100 producers, 100 consumers, 1 KiB messages, streaming subscribe with prefetch 8, one ack call",
                "per message. Target >= 60k dequeues/s (embedded journal).",
                "p50/p99 are from sending the push to delivery."})
    static final class Lockd extends Base {
        @Option(names = "--producers", defaultValue = "100", description = "producers (default: ${DEFAULT-VALUE})")
        int producers;
        @Option(names = "--consumers", defaultValue = "100", description = "consumers (default: ${DEFAULT-VALUE})")
        int consumers;
        @Option(names = "--size", defaultValue = "1024", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--prefetch", defaultValue = "8",
                description = "subscription credit (default: ${DEFAULT-VALUE})")
        int prefetch;
        @Option(names = "--transport", defaultValue = "stream",
                description = "stream, http or inprocess (default: ${DEFAULT-VALUE})")
        String transport;

        @Override
        LoadSpec load() {
            return new LoadSpec("lockd", Transport.parse(transport), producers, consumers, 1, 1, size, 0, prefetch,
                    prefetch, true, 0, false, Primary.END_TO_END);
        }
    }

    @Command(name = "batch-push", sortOptions = false,
            description = {"Queen's benchmark: batches of 100 pushed over 50 connections.",
                "50 connections push batches of 100 small messages over 1,001 keys; consumers pop batches of 100.",
                "p50/p99 are push request latencies."})
    static final class BatchPush extends Base {
        @Option(names = "--connections", defaultValue = "50",
                description = "pushing connections (default: ${DEFAULT-VALUE})")
        int connections;
        @Option(names = "--batch", defaultValue = "100", description = "messages per push (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--keys", defaultValue = "1001", description = "ordering keys (default: ${DEFAULT-VALUE})")
        int keys;
        @Option(names = "--consumers", defaultValue = "10", description = "consumers (default: ${DEFAULT-VALUE})")
        int consumers;
        @Option(names = "--pop-max", defaultValue = "100", description = "messages per pop (default: ${DEFAULT-VALUE})")
        int popMax;
        @Option(names = "--size", defaultValue = "64", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--transport", defaultValue = "http",
                description = "http, stream or inprocess (default: ${DEFAULT-VALUE})")
        String transport;

        @Override
        LoadSpec load() {
            return new LoadSpec("batch-push", Transport.parse(transport), connections, consumers, 1, batch, size,
                    keys, popMax, popMax, false, 0, false, Primary.PUSH);
        }
    }

    @Command(name = "large", sortOptions = false,
            description = {"Large payloads pushed and popped raw over HTTP (streamed both ways).",
                "Payloads are application/octet-stream bodies; pops use Accept: application/octet-stream.",
                "p50/p99 are ms per push; target median <= 15 ms for 10 MiB. Reports heap growth in process."})
    static final class Large extends Base {
        @Option(names = "--size", defaultValue = "10485760", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--producers", defaultValue = "1", description = "producers (default: ${DEFAULT-VALUE})")
        int producers;
        @Option(names = "--consumers", defaultValue = "1", description = "consumers (default: ${DEFAULT-VALUE})")
        int consumers;

        @Override
        LoadSpec load() {
            return new LoadSpec("large", Transport.HTTP, producers, consumers, 1, 1, size, 0, 1, 1, false, 0, true,
                    Primary.PUSH);
        }
    }

    @Command(name = "fanout", sortOptions = false,
            description = {"One producer, G consumer groups each consuming everything.",
                "Groups are default plus g1, g2, ...; each is audited on its own. msgs_per_s counts deliveries",
                "over all groups; p50/p99 are from push acknowledgement to delivery."})
    static final class Fanout extends Base {
        @Option(names = "--groups", defaultValue = "4", description = "consumer groups (default: ${DEFAULT-VALUE})")
        int groups;
        @Option(names = "--consumers", defaultValue = "1",
                description = "consumers per group (default: ${DEFAULT-VALUE})")
        int consumers;
        @Option(names = "--batch", defaultValue = "10", description = "messages per push (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--size", defaultValue = "100", description = "payload bytes (default: ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--pop-max", defaultValue = "100", description = "messages per pop (default: ${DEFAULT-VALUE})")
        int popMax;
        @Option(names = "--transport", defaultValue = "http",
                description = "http, stream or inprocess (default: ${DEFAULT-VALUE})")
        String transport;

        @Override
        LoadSpec load() {
            return new LoadSpec("fanout", Transport.parse(transport), 1, consumers, groups, batch, size, 0, popMax,
                    popMax, false, 0, false, Primary.DELIVERY);
        }
    }
}
