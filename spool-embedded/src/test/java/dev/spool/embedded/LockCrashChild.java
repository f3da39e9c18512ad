package dev.spool.embedded;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.spool.api.BrokerSettings;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The process {@link LockCrashTest} kills: the journal engine (fsync=always, 4 KiB segments and
 * snapshots) serving lock commands. Each stdin line is {@code <seq> <command>}; commands run
 * concurrently and each reply line {@code <seq> <reply>} is written only once the engine confirmed
 * it (durable). Acquires are handed to the engine in the order they are numbered ({@code arrival}),
 * so the test can check that waiters are served in arrival order. Commands:
 * {@code ACQ name owner ttl wait} → {@code OK lease token expires arrival} or {@code ERR code};
 * {@code KEEP name lease token ttl} → {@code OK expires}; {@code PUT name lease token text} →
 * {@code OK version}; {@code REL name lease token} → {@code OK};
 * {@code INFO name} → {@code OK lastToken holderToken|- version|- text|-}.
 */
public final class LockCrashChild {
    private static final Map<String, long[]> ARRIVALS = new HashMap<>();

    private LockCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        EmbeddedConfig config = EmbeddedConfig.journal(Path.of(args[0])).withSegmentBytes(4096)
                .withSnapshotEveryBytes(4096);
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            out.println("READY");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            ExecutorService pool = Executors.newCachedThreadPool();
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ", 2);
                String seq = parts[0];
                String[] cmd = parts[1].split(" ");
                CompletionStage<String> started;
                try {
                    started = handle(b, cmd);
                } catch (RuntimeException e) {
                    started = java.util.concurrent.CompletableFuture.failedFuture(e);
                }
                CompletionStage<String> reply = started;
                pool.execute(() -> {
                    String r = await(reply);
                    synchronized (out) {
                        out.println(seq + " " + r);
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static String await(CompletionStage<String> s) {
        try {
            return s.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            return c instanceof SpoolException se ? "ERR " + se.code().id() : "ERR " + c;
        } catch (Exception e) {
            return "ERR " + e;
        }
    }

    /** Starts the command on the reading thread (so acquires reach the engine in arrival order). */
    private static CompletionStage<String> handle(EmbeddedBroker b, String[] cmd) {
        String name = cmd[1];
        switch (cmd[0]) {
            case "ACQ" -> {
                long arrival = ++ARRIVALS.computeIfAbsent(name, k -> new long[1])[0];
                return b.acquireLock(name, new LockRequest(cmd[2], Long.parseLong(cmd[3]), Long.parseLong(cmd[4])))
                        .thenApply((LockLease l) -> "OK " + l.leaseId() + " " + l.token() + " " + l.expiresAt() + " "
                                + arrival);
            }
            case "KEEP" -> {
                return b.keepaliveLock(name, fence(cmd), Long.parseLong(cmd[4]))
                        .thenApply(l -> "OK " + l.expiresAt());
            }
            case "PUT" -> {
                return b.putLockState(name, new LockStateWrite(fence(cmd), Payload.ofUtf8(cmd[4]), "text/plain",
                        OptionalLong.empty())).thenApply(i -> "OK " + i.version());
            }
            case "REL" -> {
                return b.releaseLock(name, fence(cmd)).thenApply(v -> "OK");
            }
            case "INFO" -> {
                LockInfo info = b.getLock(name).toCompletableFuture().join();
                String holder = info.holder().map(h -> Long.toString(h.token())).orElse("-");
                if (info.state().isEmpty()) {
                    return java.util.concurrent.CompletableFuture.completedFuture("OK " + info.lastToken() + " "
                            + holder + " - -");
                }
                LockState s = b.getLockState(name).toCompletableFuture().join();
                return java.util.concurrent.CompletableFuture.completedFuture("OK " + info.lastToken() + " " + holder
                        + " " + s.info().version() + " " + s.payload().asUtf8());
            }
            default -> throw new IllegalArgumentException("unknown command " + cmd[0]);
        }
    }

    private static LockFence fence(String[] cmd) {
        return new LockFence(cmd[2], Long.parseLong(cmd[3]));
    }
}
