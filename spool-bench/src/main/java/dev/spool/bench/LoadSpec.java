package dev.spool.bench;

/**
 * What a scenario runs: the shape of the load, independent of where the server is.
 *
 * @param scenario the scenario's name (in the RESULT line)
 * @param transport how load reaches the server
 * @param producers producer count (each one connection or socket, one batch in flight)
 * @param consumers consumers per group
 * @param groups consumer groups: {@code default} plus {@code groups - 1} named ones (fan-out)
 * @param batch messages per push request
 * @param messageBytes payload size in bytes
 * @param keys distinct ordering keys (0 = no key)
 * @param popMax messages per pop (HTTP, in process)
 * @param prefetch subscription credit (stream)
 * @param ackEach one ack request per message instead of one per delivered batch
 * @param rate messages per second in total, open loop (0 = closed loop, as fast as acknowledged)
 * @param raw raw bodies over HTTP (push and pop), one message per request
 * @param primary the latency that goes into the RESULT line
 * @param window messages a producer may have pushed and not yet confirmed (closed loop): it keeps
 *        {@code max(1, window / batch)} push requests in flight
 */
record LoadSpec(String scenario, Transport transport, int producers, int consumers, int groups, int batch,
        int messageBytes, int keys, int popMax, int prefetch, boolean ackEach, double rate, boolean raw,
        Primary primary, int window) {

    /** A spec whose producers keep one push request in flight. */
    LoadSpec(String scenario, Transport transport, int producers, int consumers, int groups, int batch,
            int messageBytes, int keys, int popMax, int prefetch, boolean ackEach, double rate, boolean raw,
            Primary primary) {
        this(scenario, transport, producers, consumers, groups, batch, messageBytes, keys, popMax, prefetch, ackEach,
                rate, raw, primary, batch);
    }

    /** How load reaches the server. */
    enum Transport {
        /** JSON request/response over HTTP/1.1 keep-alive. */
        HTTP,
        /** The {@code /v1/stream} WebSocket: push frames, subscriptions with credit, ack frames. */
        STREAM,
        /** The Broker API of the in-process server, no HTTP. */
        INPROCESS,
        /** The SQS-compatible endpoint (AWS JSON 1.0 protocol) over HTTP/1.1 keep-alive. */
        SQS,
        /** The Java client: {@code Producer} (its default transport, the stream) and the stream {@code Consumer}. */
        JAVA;

        static Transport parse(String s) {
            return switch (s) {
                case "http" -> HTTP;
                case "stream" -> STREAM;
                case "inprocess" -> INPROCESS;
                case "sqs" -> SQS;
                case "java" -> JAVA;
                default -> throw new IllegalArgumentException(
                        "--transport is http, stream, java, inprocess or sqs, got " + s);
            };
        }

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Which latency the RESULT line's p50/p99 are. */
    enum Primary {
        /** Push request round trip. */
        PUSH,
        /** Pop request round trip. */
        POP,
        /** From the push's acknowledgement to the message's first delivery. */
        DELIVERY,
        /** From sending the push to the message's first delivery. */
        END_TO_END
    }

    LoadSpec {
        positive("--producers", producers);
        positive("--consumers", consumers);
        positive("--groups", groups);
        positive("--batch", batch);
        positive("--pop-max", popMax);
        positive("--prefetch", prefetch);
        positive("--window", window);
        if (messageBytes < 0 || keys < 0 || rate < 0) {
            throw new IllegalArgumentException("--size, --keys and --rate must not be negative");
        }
        if (raw && (transport != Transport.HTTP || batch != 1)) {
            throw new IllegalArgumentException("raw payloads go over --transport http, one per request");
        }
        if (transport == Transport.SQS && (batch > SqsDriver.MAX_BATCH || groups != 1 || keys != 0)) {
            throw new IllegalArgumentException("--transport sqs takes batches of at most 10, one group, no keys");
        }
    }

    /** Push requests each producer keeps in flight in closed loop. */
    int requestsInFlight() {
        return Math.max(1, window / batch);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + v);
        }
    }
}
