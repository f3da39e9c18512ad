package dev.spool.server.sqs;

import dev.spool.api.Names;

/**
 * Names of queues as SQS writes them: ARNs ({@code arn:aws:sqs:<region>:<account>:<queue>}) and
 * queue URLs ({@code http://host:port/<account>/<queue>}).
 */
final class Arns {
    private final String region;
    private final String account;

    Arns(String region, String account) {
        this.region = region;
        this.account = account;
    }

    String account() {
        return account;
    }

    String arn(String queue) {
        return "arn:aws:sqs:" + region + ":" + account + ":" + queue;
    }

    /** The queue an ARN names; {@code InvalidParameterValue} naming {@code param} if it is not one. */
    String queueName(String arn, String param) {
        String[] p = arn.split(":", -1);
        if (p.length != 6 || !p[0].equals("arn") || !p[2].equals("sqs") || !p[4].equals(account)
                || !dev.spool.api.Names.isValid(p[5])) {
            throw SqsError.invalidParameter("Value " + arn + " for parameter " + param + " is invalid. Reason: "
                    + "not an ARN of a queue of account " + account + ".");
        }
        return p[5];
    }

    /** The queue a queue URL names; only the path counts ({@code /<account>/<queue>}). */
    String queueFromUrl(String url) {
        String path = url;
        int scheme = url.indexOf("://");
        if (scheme >= 0) {
            int slash = url.indexOf('/', scheme + 3);
            path = slash < 0 ? "" : url.substring(slash);
        }
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        String[] p = path.split("/", -1);
        if (p.length != 3 || !p[0].isEmpty() || !Names.isValid(p[2])) {
            throw SqsError.invalidAddress("The address " + (url.length() > 200 ? url.substring(0, 200) : url)
                    + " is not valid for this endpoint.");
        }
        if (!p[1].equals(account)) {
            throw SqsError.nonExistentQueue();
        }
        return p[2];
    }

    /** The URL of a queue as seen by a client that reached this server at {@code base} (scheme://host). */
    String url(String base, String queue) {
        return base + "/" + account + "/" + queue;
    }
}
