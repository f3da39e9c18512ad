package dev.spool.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.spool.client.ClientCredentials;
import dev.spool.client.ClientOptions;
import dev.spool.client.SpoolClient;

/**
 * A command that talks to a server: {@code --url}, {@code --json}, the credentials
 * ({@code --auth-token}, {@code --cacert}, {@code --cert}/{@code --cert-key}, each with its environment
 * variable), a client opened for the duration of the command, and the output streams.
 */
abstract class ClientCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:SPOOL_URL:-http://127.0.0.1:7070}",
            description = "Server URL (default: $SPOOL_URL or ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--json", description = "Print JSON instead of tables.")
    boolean json;

    // not --token: `spool lock keepalive|release --token N` is the lock's fencing token
    @Option(names = "--auth-token", paramLabel = "TOKEN", defaultValue = "${env:SPOOL_TOKEN}",
            description = "Bearer token (default: $SPOOL_TOKEN).")
    String token;

    @Option(names = "--cacert", paramLabel = "FILE", defaultValue = "${env:SPOOL_CACERT}",
            description = "PEM CA certificates that verify the server (default: $SPOOL_CACERT, else the JDK's).")
    Path cacert;

    @Option(names = "--cert", paramLabel = "FILE", defaultValue = "${env:SPOOL_CERT}",
            description = "PEM client certificate for mutual TLS (default: $SPOOL_CERT); with --cert-key.")
    Path cert;

    // not --key: `spool push --key` is the message key
    @Option(names = "--cert-key", paramLabel = "FILE", defaultValue = "${env:SPOOL_CERT_KEY}",
            description = "PEM private key of --cert (default: $SPOOL_CERT_KEY).")
    Path key;

    @Override
    public final Integer call() throws Exception {
        ClientCredentials creds = new ClientCredentials(Optional.ofNullable(token).filter(t -> !t.isBlank()),
                Optional.ofNullable(cacert), Optional.ofNullable(cert), Optional.ofNullable(key));
        try (SpoolClient client = SpoolClient.connect(ClientOptions.of(url).withEventLoops(1)
                .withConnectTimeoutMs(5_000).withMaxConnections(8).withCredentials(creds))) {
            Integer code = run(client, new Output(out(), json));
            out().flush();
            return code;
        }
    }

    /** Runs the command and returns its exit code. */
    abstract Integer run(SpoolClient client, Output output) throws Exception;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
