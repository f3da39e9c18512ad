package dev.spool.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.LockFence;
import dev.spool.api.LockHolder;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateInfo;
import dev.spool.client.SpoolClient;

/**
 * {@code spool lock acquire|keepalive|release|show|list|state}: locks with fencing tokens. The
 * command line holds no lease between runs: {@code acquire} prints the lease id and token, which
 * {@code keepalive}, {@code release} and {@code state put|delete} take back as options.
 */
@Command(name = "lock", mixinStandardHelpOptions = true, description = "Acquire, release and inspect locks and their state.",
        subcommands = {LockCommand.Acquire.class, LockCommand.Keepalive.class, LockCommand.Release.class,
            LockCommand.Show.class, LockCommand.ListLocks.class, LockStateCommand.class})
final class LockCommand {
    private LockCommand() {
    }

    /** The holder's proof, given back to the commands that need it. */
    static final class FenceOptions {
        @Option(names = "--lease-id", required = true, paramLabel = "ID", description = "The lease id acquire printed.")
        String leaseId;

        @Option(names = "--token", required = true, paramLabel = "N", description = "The fencing token acquire printed.")
        long token;

        LockFence fence() {
            return new LockFence(leaseId, token);
        }
    }

    /** {@code lock acquire NAME}. */
    @Command(name = "acquire", mixinStandardHelpOptions = true,
            description = "Acquire a lock (waiting up to --wait-ms) and print its lease id and token. The lease is not "
                    + "kept alive: it ends after --ttl-ms unless renewed with `lock keepalive`.")
    static final class Acquire extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--owner", paramLabel = "OWNER", description = "Shown to others (default: user@host).")
        String owner;
        @Option(names = "--ttl-ms", paramLabel = "MS", defaultValue = "30000", description = "Lease length (default 30000).")
        long ttlMs;
        @Option(names = {"-w", "--wait-ms"}, paramLabel = "MS", defaultValue = "0",
                description = "How long to wait in line while held (default 0: answer at once).")
        long waitMs;

        @Override
        Integer run(SpoolClient client, Output o) {
            String who = owner != null ? owner : System.getProperty("user.name", "spool") + "@" + host();
            LockLease l = SpoolClient.await(client.acquireLock(name,
                    new LockRequest(who, Math.max(0, ttlMs), Math.max(0, waitMs))));
            printLease(o, l);
            return ExitCodes.OK;
        }

        private static String host() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        }
    }

    /** {@code lock keepalive NAME --lease-id ID --token N}. */
    @Command(name = "keepalive", mixinStandardHelpOptions = true, description = "Extend a held lease to --ttl-ms from now.")
    static final class Keepalive extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @ArgGroup(exclusive = false, multiplicity = "1") FenceOptions fence;
        @Option(names = "--ttl-ms", paramLabel = "MS", defaultValue = "30000") long ttlMs;

        @Override
        Integer run(SpoolClient client, Output o) {
            printLease(o, SpoolClient.await(client.keepaliveLock(name, fence.fence(), ttlMs)));
            return ExitCodes.OK;
        }
    }

    /** {@code lock release NAME --lease-id ID --token N}. */
    @Command(name = "release", mixinStandardHelpOptions = true, description = "Release a held lock.")
    static final class Release extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @ArgGroup(exclusive = false, multiplicity = "1") FenceOptions fence;

        @Override
        Integer run(SpoolClient client, Output o) {
            SpoolClient.await(client.releaseLock(name, fence.fence()));
            if (o.json()) {
                o.print(Output.JSON.createObjectNode().put("released", name));
            } else {
                o.out().println("released " + name);
            }
            return ExitCodes.OK;
        }
    }

    /** {@code lock show NAME}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "A lock's holder (owner, token, expiry), waiters, last token and state.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;

        @Override
        Integer run(SpoolClient client, Output o) {
            LockInfo i = SpoolClient.await(client.getLock(name));
            if (o.json()) {
                o.print(info(i));
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("name", i.name()));
            rows.add(List.of("holder", i.holder().map(LockHolder::owner).orElse("-")));
            i.holder().ifPresent(h -> {
                rows.add(List.of("token", Long.toString(h.token())));
                rows.add(List.of("acquired_at", Instant.ofEpochMilli(h.acquiredAt()).toString()));
                rows.add(List.of("expires_at", Instant.ofEpochMilli(h.expiresAt()).toString()));
            });
            rows.add(List.of("waiters", Integer.toString(i.waiters())));
            rows.add(List.of("last_token", Long.toString(i.lastToken())));
            rows.add(List.of("state", i.state().map(s -> "version " + s.version() + ", " + s.size() + " bytes, "
                    + s.contentType()).orElse("-")));
            o.table(List.of("FIELD", "VALUE"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code lock list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List locks by name, with holder and expiry.")
    static final class ListLocks extends ClientCommand {
        @Option(names = "--prefix", paramLabel = "PREFIX", defaultValue = "") String prefix;
        @Option(names = "--after", paramLabel = "NAME", defaultValue = "", description = "Only names after this one (paging).")
        String after;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "100") int limit;

        @Override
        Integer run(SpoolClient client, Output o) {
            List<LockInfo> locks = SpoolClient.await(client.listLocks(prefix, after, limit));
            if (o.json()) {
                ObjectNode doc = Output.JSON.createObjectNode();
                ArrayNode a = doc.putArray("locks");
                locks.forEach(i -> a.add(info(i)));
                if (!locks.isEmpty() && locks.size() == limit) {
                    doc.put("next_after", locks.get(locks.size() - 1).name());
                }
                o.print(doc);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (LockInfo i : locks) {
                rows.add(List.of(i.name(), i.holder().map(LockHolder::owner).orElse("-"),
                        i.holder().map(h -> Long.toString(h.token())).orElse("-"),
                        i.holder().map(h -> Instant.ofEpochMilli(h.expiresAt()).toString()).orElse("-"),
                        Integer.toString(i.waiters()), i.state().map(s -> Long.toString(s.version())).orElse("-")));
            }
            o.table(List.of("LOCK", "HOLDER", "TOKEN", "EXPIRES_AT", "WAITERS", "STATE_VERSION"), rows);
            return ExitCodes.OK;
        }
    }

    static void printLease(Output o, LockLease l) {
        if (o.json()) {
            o.print(Output.JSON.createObjectNode().put("name", l.name()).put("lease_id", l.leaseId())
                    .put("token", l.token()).put("owner", l.owner()).put("expires_at", l.expiresAt()));
            return;
        }
        o.table(List.of("FIELD", "VALUE"), List.of(List.of("lock", l.name()), List.of("lease_id", l.leaseId()),
                List.of("token", Long.toString(l.token())), List.of("owner", l.owner()),
                List.of("expires_at", Instant.ofEpochMilli(l.expiresAt()).toString())));
    }

    static ObjectNode info(LockInfo i) {
        ObjectNode n = Output.JSON.createObjectNode();
        n.put("name", i.name());
        if (i.holder().isPresent()) {
            LockHolder h = i.holder().get();
            n.putObject("holder").put("owner", h.owner()).put("token", h.token()).put("acquired_at", h.acquiredAt())
                    .put("expires_at", h.expiresAt());
        } else {
            n.putNull("holder");
        }
        n.put("waiters", i.waiters());
        n.put("last_token", i.lastToken());
        if (i.state().isPresent()) {
            n.set("state", stateInfo(i.state().get()));
        } else {
            n.putNull("state");
        }
        return n;
    }

    static ObjectNode stateInfo(LockStateInfo s) {
        return Output.JSON.createObjectNode().put("version", s.version()).put("content_type", s.contentType())
                .put("size", s.size()).put("updated_at", s.updatedAt()).put("token", s.token());
    }

    /** Reads the expected version option: empty when not given. */
    static OptionalLong version(Long v) {
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Writes bytes to a file. */
    static void write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
    }

    /** UTF-8 bytes of a text argument. */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
