package dev.spool.embedded;

import dev.spool.api.TaskResult;

/** Details few entries have, kept apart so that the common entry stays small. */
final class EntryExtra {
    String lastError;
    TaskResult result;
    /** Epoch ms after which the result (or a dead entry's reason) is forgotten. */
    long keepUntil;
}
