package dev.spool.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;
import dev.spool.client.SpoolClient;

/** {@code spool lock state get|put|delete}: a lock's state document. */
@Command(name = "state", mixinStandardHelpOptions = true, description = "Read, write and delete a lock's state document.",
        subcommands = {LockStateCommand.Get.class, LockStateCommand.Put.class, LockStateCommand.Delete.class})
final class LockStateCommand {
    private LockStateCommand() {
    }

    /** {@code lock state get NAME [--output FILE]}. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print the state document (text, or base64: for binary types), or write it to --output.")
    static final class Get extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the bytes to this file.")
        Path output;

        @Override
        Integer run(SpoolClient client, Output o) throws Exception {
            LockState s = SpoolClient.await(client.getLockState(name));
            LockStateInfo i = s.info();
            if (output != null) {
                LockCommand.write(output, s.payload().toBytes());
            }
            if (o.json()) {
                ObjectNode n = LockCommand.stateInfo(i);
                if (output == null) {
                    byte[] b = s.payload().toBytes();
                    if (Output.isJson(i.contentType())) {
                        n.set("payload", Output.JSON.readTree(b));
                    } else {
                        n.put("payload_base64", java.util.Base64.getEncoder().encodeToString(b));
                    }
                }
                o.print(n);
            } else if (output != null) {
                o.out().println("wrote version " + i.version() + " (" + i.size() + " bytes, " + i.contentType()
                        + ") to " + output);
            } else {
                o.out().println(Output.text(s.payload(), i.contentType()));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code lock state put NAME --lease-id ID --token N (DATA | --file FILE)}. */
    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Replace the state document; needs the holder's lease id and token.")
    static final class Put extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", arity = "0..1", paramLabel = "DATA", description = "The document (text).") String data;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Send the file's bytes (streamed).")
        Path file;
        @Option(names = "--content-type", paramLabel = "TYPE",
                description = "Default: application/json for DATA that is JSON, text/plain for other DATA, "
                        + "application/octet-stream for a file.")
        String contentType;
        @Option(names = "--if-version", paramLabel = "V",
                description = "Write only if the current version is V (0: no document yet).")
        Long ifVersion;
        @ArgGroup(exclusive = false, multiplicity = "1") LockCommand.FenceOptions fence;

        @Override
        Integer run(SpoolClient client, Output o) throws Exception {
            if ((data == null) == (file == null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give DATA or --file, not both");
            }
            Payload p = file != null ? Payload.ofFile(file, Files.size(file)) : Payload.of(LockCommand.utf8(data));
            String ct = contentType != null ? contentType
                    : file != null ? "application/octet-stream" : isJson(data) ? "application/json" : "text/plain";
            LockStateInfo i = SpoolClient.await(client.putLockState(name,
                    new LockStateWrite(fence.fence(), p, ct, LockCommand.version(ifVersion))));
            if (o.json()) {
                o.print(LockCommand.stateInfo(i));
            } else {
                o.table(List.of("FIELD", "VALUE"), List.of(List.of("version", Long.toString(i.version())),
                        List.of("size", Long.toString(i.size())), List.of("content_type", i.contentType())));
            }
            return ExitCodes.OK;
        }

        private static boolean isJson(String s) {
            try {
                Output.JSON.readTree(s);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }
    }

    /** {@code lock state delete NAME --lease-id ID --token N}. */
    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete the state document; needs the holder's lease id and token.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--if-version", paramLabel = "V") Long ifVersion;
        @ArgGroup(exclusive = false, multiplicity = "1") LockCommand.FenceOptions fence;

        @Override
        Integer run(SpoolClient client, Output o) {
            OptionalLong v = LockCommand.version(ifVersion);
            SpoolClient.await(client.deleteLockState(name, fence.fence(), v));
            if (o.json()) {
                o.print(Output.JSON.createObjectNode().put("deleted", name));
            } else {
                o.out().println("deleted the state of " + name);
            }
            return ExitCodes.OK;
        }
    }
}
