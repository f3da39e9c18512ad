package dev.spool.bench;

import picocli.CommandLine.Option;

/** The options every scenario takes (a picocli mixin). */
final class CommonOptions {
    @Option(names = "--url",
            description = "drive a running server (http://host:port) instead of starting one in process; two"
                    + " comma-separated URLs put the producers on the first and the consumers on the second")
    String url;

    @Option(names = "--storage", defaultValue = "journal",
            description = "storage of the in-process server: journal, memory or postgresql://... (default:"
                    + " ${DEFAULT-VALUE}, in a temporary directory); with postgresql:// two servers share the"
                    + " database, producers on one and consumers on the other")
    String storage;

    @Option(names = "--fsync", defaultValue = "always",
            description = "fsync policy of the in-process journal: always, never or interval:<ms> (default:"
                    + " ${DEFAULT-VALUE})")
    String fsync;

    @Option(names = "--duration", defaultValue = "10",
            description = "measured seconds of load (default: ${DEFAULT-VALUE})")
    double durationS;

    @Option(names = "--warmup", defaultValue = "5",
            description = "seconds of load before the measured --duration; audited, not measured (default:"
                    + " ${DEFAULT-VALUE})")
    double warmupS;

    @Option(names = "--drain-timeout", defaultValue = "30",
            description = "seconds consumers may take after the producers stop to see every acknowledged message"
                    + " (default: ${DEFAULT-VALUE})")
    double drainTimeoutS;

    @Option(names = "--max-backlog", defaultValue = "100000",
            description = "producers pause while this many acknowledged messages are not yet consumed (default:"
                    + " ${DEFAULT-VALUE})")
    long maxBacklog;

    @Option(names = "--jfr", description = "record a JFR profile (settings 'profile') of the measured window to this"
            + " file; with the server in process it covers server and load generator")
    String jfr;

    @Option(names = "--queue", description = "queue name (default: a fresh bench-<scenario>-<random> queue)")
    String queue;

    @Option(names = "--no-progress", description = "no progress line on stderr")
    boolean noProgress;

    /** For tests of the audit: consumers forget every Nth delivery (they still ack it). */
    @Option(names = "--cacert", paramLabel = "FILE",
            description = "PEM CA bundle that verifies an https:// server (--url, or an in-process server whose"
                    + " --server-config turns TLS on)")
    String cacert;

    @Option(names = "--auth-token", paramLabel = "TOKEN", defaultValue = "${env:SPOOL_TOKEN}",
            description = "bearer token sent with every request (default: $SPOOL_TOKEN); never printed")
    String authToken;

    @Option(names = "--server-config", paramLabel = "FILE",
            description = "config file of the in-process server(s): TLS, auth, encryption keys (docs/configuration.md)")
    String serverConfig;

    @Option(names = "--encrypt",
            description = "in-process server(s) encrypt every payload, result and lock state at rest (encrypt-all)"
                    + " with a fresh keyring in the temporary directory")
    boolean encrypt;

    @Option(names = "--test-drop-every", hidden = true, defaultValue = "0")
    int dropEvery;
}
