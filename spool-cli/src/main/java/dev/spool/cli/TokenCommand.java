package dev.spool.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.client.SpoolClient;
import dev.spool.client.TokenInfo;

/**
 * {@code spool token create|list|revoke}: access tokens, through the server's {@code /v1/tokens}
 * (needs {@code admin:*}; the first token is made with the bootstrap {@code SPOOL_ADMIN_TOKEN}).
 * {@code create} prints the secret once; the server keeps only its hash.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Create, list and revoke access tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {

    /** {@code token create --name NAME --perm ACTION:PATTERN...}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token and print its secret (shown this once).")
    static final class Create extends ClientCommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "A label for the token.")
        String name;

        @Option(names = "--perm", paramLabel = "ACTION:PATTERN",
                description = "A permission, repeatable: produce|consume|admin|lock : name, prefix.* or *.")
        List<String> perms = new ArrayList<>();

        @Override
        Integer run(SpoolClient client, Output o) {
            TokenInfo.Created c = SpoolClient.await(client.createToken(name, perms));
            if (o.json()) {
                ObjectNode n = node(c.token());
                n.put("secret", c.secret());
                o.print(n);
            } else {
                o.out().println("token " + c.token().id() + " (" + c.token().name() + ") "
                        + String.join(" ", c.token().permissions()));
                o.out().println("secret (shown once; store it now): " + c.secret());
            }
            return ExitCodes.OK;
        }
    }

    /** {@code token list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
    static final class ListTokens extends ClientCommand {
        @Override
        Integer run(SpoolClient client, Output o) {
            List<TokenInfo> all = SpoolClient.await(client.tokens());
            if (o.json()) {
                ObjectNode doc = Output.JSON.createObjectNode();
                ArrayNode a = doc.putArray("tokens");
                all.forEach(t -> a.add(node(t)));
                o.print(doc);
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (TokenInfo t : all) {
                rows.add(List.of(t.id(), t.name(), String.join(",", t.permissions()),
                        Instant.ofEpochMilli(t.createdAt()).toString()));
            }
            o.table(List.of("ID", "NAME", "PERMISSIONS", "CREATED"), rows);
            return ExitCodes.OK;
        }
    }

    /** {@code token revoke ID}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token: every server refuses it within a second.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        Integer run(SpoolClient client, Output o) {
            SpoolClient.await(client.revokeToken(id));
            if (o.json()) {
                o.print(Output.JSON.createObjectNode().put("revoked", id));
            } else {
                o.out().println("revoked token " + id);
            }
            return ExitCodes.OK;
        }
    }

    private static ObjectNode node(TokenInfo t) {
        ObjectNode n = Output.JSON.createObjectNode();
        n.put("id", t.id());
        n.put("name", t.name());
        ArrayNode p = n.putArray("permissions");
        t.permissions().forEach(p::add);
        n.put("created_at", t.createdAt());
        return n;
    }
}
