package dev.spool.embedded;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.spool.api.AckRequest;
import dev.spool.api.BrokerSettings;
import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/**
 * The process {@link CrashRecoveryTest} kills: runs the journal engine (fsync=always, 4 KiB
 * segments and snapshots, so rolls, snapshots, compaction and segment deletion happen all the
 * time) in a data directory. Each stdin line is {@code <seq> <command>}; commands run concurrently
 * (many in flight, so group commit is exercised) and each reply line {@code <seq> <reply>} is
 * written only after the engine confirmed it (so a reply means durable). Commands:
 * {@code PUSH tag...}, {@code POP n}, {@code ACK receipt...}, {@code TX receipt tag} (ack one,
 * push one, atomically), {@code DUMP} (sent alone).
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        EmbeddedConfig config = EmbeddedConfig.journal(Path.of(args[0])).withSegmentBytes(4096)
                .withSnapshotEveryBytes(4096);
        try (EmbeddedBroker b = EmbeddedBroker.open(config, BrokerSettings.DEFAULTS)) {
            get(b.putQueue("crash", dev.spool.api.QueueConfig.DEFAULTS));
            out.println("READY");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ", 2);
                String seq = parts[0];
                String[] cmd = parts[1].split(" ");
                pool.execute(() -> {
                    String reply;
                    try {
                        reply = handle(b, cmd);
                    } catch (RuntimeException e) {
                        reply = "ERROR " + e;
                    }
                    synchronized (out) {
                        out.println(seq + " " + reply);
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static String handle(EmbeddedBroker b, String[] cmd) {
        StringBuilder sb = new StringBuilder(cmd[0]);
        switch (cmd[0]) {
            case "PUSH" -> {
                List<NewMessage> ms = new ArrayList<>();
                for (int i = 1; i < cmd.length; i++) {
                    ms.add(NewMessage.ofUtf8(pad(cmd[i])));
                }
                for (long id : get(b.push("crash", ms))) {
                    sb.append(' ').append(id);
                }
            }
            case "POP" -> {
                for (Delivery d : get(b.pop("crash", new PopRequest("default", Integer.parseInt(cmd[1]), 43_200_000, 0)))) {
                    sb.append(' ').append(tag(d.body().payload().asUtf8())).append(' ').append(d.id()).append(' ')
                            .append(d.receipt());
                }
            }
            case "ACK" -> {
                List<String> rs = List.of(cmd).subList(1, cmd.length);
                Outcomes o = get(b.ack("crash", AckRequest.of(Receipts.parse(rs, "receipts"))));
                for (int i = 0; i < o.size(); i++) {
                    sb.append(' ').append(o.get(i).wire());
                }
            }
            case "TX" -> {
                TxResult r = get(b.transact(List.of(
                        new TxOp.Ack("crash", AckRequest.of(Receipts.parse(List.of(cmd[1]), "receipts"))),
                        new TxOp.Push("crash", List.of(NewMessage.ofUtf8(pad(cmd[2])))))));
                sb.append(' ').append(r.pushedIds().get(1)[0]);
            }
            case "DUMP" -> {
                // read in one engine task: a lease ending between two reads cannot hide a message
                StringBuilder dump = new StringBuilder();
                get(b.onEngine(() -> {
                    QueueState q = b.engine().sm.queues.get("crash");
                    q.msgs.forEachValue(m -> {
                        if (!m.isTerminal()) {
                            dump.append(' ').append(tag(b.engine().wal.body(m).payload().asUtf8())).append('=')
                                    .append(m.id);
                        }
                    });
                }));
                sb.append(dump);
            }
            default -> sb.append(" ERROR unknown command");
        }
        return sb.toString();
    }

    /** A payload of a few hundred bytes, so segments fill and roll. */
    private static String pad(String tag) {
        return tag + "|" + "p".repeat(200 + Math.floorMod(tag.hashCode(), 300));
    }

    private static String tag(String payload) {
        String t = payload.substring(0, payload.indexOf('|'));
        if (!payload.equals(pad(t))) {
            throw new IllegalStateException("payload of " + t + " is damaged");
        }
        return t;
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
