package dev.spool.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.spool.api.crypto.Keyring;

/**
 * {@code spool keys rotate|list --keys-file FILE}: the keyring of encryption at rest, on the file a
 * server reads ({@code encryption-keys-file}). No server is needed and no key is ever printed: only
 * ids. {@code rotate} appends a fresh 256-bit key (which makes it the active one) by writing a new
 * file readable by its owner only and renaming it into place; running servers reload it when it changes.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage the encryption-at-rest keyring file (no server needed; keys are never printed).",
        subcommands = {KeysCommand.Rotate.class, KeysCommand.ListKeys.class})
final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: usage, exit 2. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: rotate or list");
    }

    /** {@code spool keys rotate --keys-file FILE [--id ID]}. */
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Append a new random key to FILE and make it the active one (creates FILE, mode 600, when "
                    + "it does not exist). Restart the servers to use it; keep the old keys until every record "
                    + "under them was re-encrypted (docs/security.md).")
    static final class Rotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--keys-file", required = true, paramLabel = "FILE", description = "The keyring file.")
        Path file;

        @Option(names = "--id", paramLabel = "ID", description = "The new key's id (default k-<UTC time>).")
        String id;

        @Override
        public Integer call() throws IOException {
            String old = "";
            if (Files.exists(file)) {
                try {
                    Keyring ring = Keyring.load(file);
                    old = Files.readString(file, StandardCharsets.UTF_8);
                    String newId = id != null ? id : defaultId();
                    if (ring.has(newId)) {
                        return usage("the keyring already holds a key named " + newId);
                    }
                    id = newId;
                } catch (IllegalArgumentException e) {
                    return usage(e.getMessage());
                }
            } else if (id == null) {
                id = defaultId();
            }
            String line;
            try {
                line = Keyring.newKeyLine(id);
            } catch (IllegalArgumentException e) {
                return usage(e.getMessage());
            }
            String text = old.isEmpty() || old.endsWith("\n") ? old + line + "\n" : old + "\n" + line + "\n";
            write(file, text);
            PrintWriter out = spec.commandLine().getOut();
            out.println("added key " + id + " to " + file + "; it is the active key once the servers reload the file"
                    + " (within encryption-keys-reload-ms, on SIGHUP or at a restart)");
            out.flush();
            return ExitCodes.OK;
        }

        private int usage(String message) {
            spec.commandLine().getErr().println("spool keys rotate: " + message);
            return ExitCodes.USAGE;
        }

        private static String defaultId() {
            return "k-" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss"));
        }
    }

    /** {@code spool keys list --keys-file FILE}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print the key ids of FILE, oldest first, marking the active one.")
    static final class ListKeys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--keys-file", required = true, paramLabel = "FILE", description = "The keyring file.")
        Path file;

        @Override
        public Integer call() {
            Keyring ring;
            try {
                ring = Keyring.load(file);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("spool keys list: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            PrintWriter out = spec.commandLine().getOut();
            for (String k : ring.ids()) {
                out.println(k + (k.equals(ring.activeId()) ? "  (active)" : ""));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** Writes {@code text} to a new owner-only file beside {@code file}, forces it and renames it into place. */
    static void write(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
