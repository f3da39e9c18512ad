package dev.spool.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.SpoolException;
import dev.spool.server.edge.Fatal;

/**
 * Runs one server in this process until SIGTERM/SIGINT: {@code java dev.spool.server.Main
 * --port 7070 --data-dir ./spool-data --storage journal}. Flags are the configuration keys of
 * {@code docs/configuration.md} ({@code --key value} or {@code --key=value}); environment
 * variables {@code SPOOL_*} apply under them. The {@code spool serve} command does the same with
 * help text; this entry point exists so tests and scripts can start a server from the server jar.
 *
 * <p>Exit codes: 0 after a graceful shutdown, 2 for a bad configuration, 1 when the server cannot
 * start (port in use, storage unavailable).
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    /**
     * Parses {@code --key value} pairs into configuration flags.
     *
     * @param args the arguments
     * @return flags by key, in order
     * @throws SpoolException {@code invalid_argument} for a stray argument or a missing value
     */
    static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw SpoolException.invalid(a, "expected --key value, got '" + a + "'");
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                flags.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                flags.put(a.substring(2), args[++i]);
            } else {
                throw SpoolException.invalid(a.substring(2), "missing value for " + a);
            }
        }
        return flags;
    }

    /**
     * Starts the server and blocks until it has shut down.
     *
     * @param args {@code --key value} configuration flags
     */
    public static void main(String[] args) {
        ServerConfig config;
        try {
            config = ServerConfig.load(flags(args), System.getenv());
        } catch (SpoolException e) {
            System.err.println("spool: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(config));
    }

    /**
     * {@code SIGHUP} re-reads the TLS certificate, key and client CA files and the encryption keys
     * file, those that are configured (docs/security.md).
     */
    private static void reloadTlsOnSighup(SpoolServer server) {
        boolean tls = server.config().security().tls().isPresent();
        boolean keys = server.config().security().atRest().keysFile().isPresent();
        if (!tls && !keys) {
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                LOG.info("SIGHUP: reloading the {}", tls && keys ? "TLS files and the encryption keys file"
                        : tls ? "TLS files" : "encryption keys file");
                if (tls) {
                    server.reloadTls();
                }
                if (keys) {
                    server.reloadKeys();
                }
            });
        } catch (IllegalArgumentException e) {
            LOG.atInfo().addKeyValue("reason", e.getMessage()).log("no SIGHUP here; TLS files reload on change only");
        }
    }

    /**
     * Starts a server with the configuration and blocks until a shutdown signal has closed it. From
     * here on an {@link OutOfMemoryError} on any thread halts the process with exit code 3.
     *
     * @param config the configuration
     * @return the process exit code
     */
    public static int run(ServerConfig config) {
        // this process is the server: an OutOfMemoryError ends it so that a supervisor restarts it
        Fatal.haltOnOutOfMemory();
        SpoolServer server;
        try {
            server = SpoolServer.start(config).toCompletableFuture().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            System.err.println("spool: cannot start: " + cause.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        reloadTlsOnSighup(server);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutdown signal: stopping");
            int code = 0;
            try {
                server.close();
                LOG.info("stopped");
            } catch (RuntimeException e) {
                LOG.error("shutdown failed", e);
                code = 1;
            } finally {
                closed.countDown();
            }
            // a signal would otherwise end the JVM with 128+signal; a clean stop is exit 0
            Runtime.getRuntime().halt(code);
        }, "spool-shutdown"));
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
