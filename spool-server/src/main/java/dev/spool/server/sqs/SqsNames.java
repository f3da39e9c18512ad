package dev.spool.server.sqs;

import java.util.regex.Pattern;

/** SQS queue names: 1..80 of {@code [A-Za-z0-9_-]}, FIFO queues with {@code .fifo} on top. */
final class SqsNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");

    private SqsNames() {
    }

    static boolean isValid(String name) {
        String base = QueueView.isFifo(name) ? name.substring(0, name.length() - QueueView.FIFO_SUFFIX.length())
                : name;
        return NAME.matcher(base).matches();
    }

    static String check(String name) {
        if (!isValid(name)) {
            throw SqsError.invalidParameter("Can only include alphanumeric characters, hyphens, or underscores. "
                    + "1 to 80 in length");
        }
        return name;
    }
}
