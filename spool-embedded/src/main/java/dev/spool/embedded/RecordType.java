package dev.spool.embedded;

/**
 * Journal record types. A top-level record is framed as
 * {@code int32 length | int8 type | int64 time | body | int32 CRC32C}, the CRC covering every byte
 * before it; records nested in a {@link #TX} are {@code int32 length | int8 type | body} and share
 * the transaction's time and CRC. Bodies (little-endian; "str" is int32 length + UTF-8, -1 null):
 *
 * <pre>
 * QUEUE_PUT     int32 qid, str name, int64 created, config (see Codec)
 * QUEUE_DELETE  int32 qid
 * QUEUE_PURGE   int32 qid
 * GROUP_PUT     int32 qid, int32 gid, str name, int8 start kind, int64 start ms, int64 created
 * GROUP_DELETE  int32 qid, int32 gid
 * PUSH          int32 qid, int32 target gid (-1 all), int32 count, count x entry (EntryCodec)
 * DELIVER       int32 qid, int32 gid, int64 lease until, int32 count, count x int64 id
 * ACK           int32 qid, int32 gid, int32 count, count x int64 id, int8 has result
 *               [str content type, int32 length, bytes]
 * NACK          int32 qid, int32 gid, str reason, int32 count, count x (int64 id, int64 ready at)
 * EXTEND        int32 qid, int32 gid, int64 lease until, int32 count, count x int64 id
 * KILL          int32 qid, int32 gid, int64 id, str reason
 * REMOVE        int32 qid, int32 count, count x int64 id
 * TX            int32 count, count x nested record
 * RELOCATE      int32 qid, one entry (compaction moved the message here; only its location changes)
 * QUEUE_ATTRS   int32 qid, int32 count, count x (str key, str value): the queue's attributes; follows
 *               its QUEUE_PUT in one TX when the configuration has attributes (a QUEUE_PUT alone
 *               leaves the queue with none)
 * TOKEN_PUT     str id, str name, str secret hash (64 hex digits), int64 created,
 *               int32 count, count x str permission      (an access token was created)
 * TOKEN_REVOKE  str id                                   (the token was revoked and forgotten)
 * </pre>
 *
 * <p>Types 35 to 39 are reserved for access tokens (35 and 36 used). A journal written before
 * tokens existed holds none of them and opens unchanged; token records in a journal opened by an
 * older build are refused as an unknown type (not silently skipped).
 */
final class RecordType {
    static final int QUEUE_PUT = 1;
    static final int QUEUE_DELETE = 2;
    static final int QUEUE_PURGE = 3;
    static final int GROUP_PUT = 4;
    static final int GROUP_DELETE = 5;
    static final int PUSH = 6;
    static final int DELIVER = 7;
    static final int ACK = 8;
    static final int NACK = 9;
    static final int EXTEND = 10;
    static final int KILL = 11;
    static final int REMOVE = 12;
    static final int TX = 13;
    static final int RELOCATE = 14;
    static final int QUEUE_ATTRS = 15;
    static final int TOKEN_PUT = 35;
    static final int TOKEN_REVOKE = 36;

    /** The highest contiguous type of the core records; types 35 to 39 are access tokens. */
    static final int LAST = QUEUE_ATTRS;
    /** The highest type number any record may have (sizes per-type tables). */
    static final int MAX = 39;

    /** Whether {@code type} is one this build reads; any other type is damage. */
    static boolean isKnown(int type) {
        return type >= QUEUE_PUT && type <= LAST || type == TOKEN_PUT || type == TOKEN_REVOKE;
    }

    /** Bytes of a top-level record's frame: length, type, time, CRC. */
    static final int FRAME = 4 + 1 + 8 + 4;

    private RecordType() {
    }


    /** The name of a type in journal tallies ({@code queue_put}, ...), or {@code ?} when unknown. */
    static String name(int type) {
        return switch (type) {
            case QUEUE_PUT -> "queue_put";
            case QUEUE_DELETE -> "queue_delete";
            case QUEUE_PURGE -> "queue_purge";
            case GROUP_PUT -> "group_put";
            case GROUP_DELETE -> "group_delete";
            case PUSH -> "push";
            case DELIVER -> "deliver";
            case ACK -> "ack";
            case NACK -> "nack";
            case EXTEND -> "extend";
            case KILL -> "kill";
            case REMOVE -> "remove";
            case TX -> "tx";
            case RELOCATE -> "relocate";
            case QUEUE_ATTRS -> "queue_attrs";
            case TOKEN_PUT -> "token_put";
            case TOKEN_REVOKE -> "token_revoke";
            default -> "?";
        };
    }
}
