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
 * ACK           int32 qid, int32 gid, int32 count, count x int64 id, int8 result form (0 none, 1 clear,
 *               2 sealed: segment format 3 on) [str content type, int32 length, bytes]; a sealed result's
 *               bytes are an Envelope bound to the queue and the first id (AtRestCodec)
 * NACK          int32 qid, int32 gid, str reason, int32 count, count x (int64 id, int64 ready at)
 * EXTEND        int32 qid, int32 gid, int64 lease until, int32 count, count x int64 id
 * KILL          int32 qid, int32 gid, int64 id, str reason
 * REMOVE        int32 qid, int32 count, count x int64 id
 * TX            int32 count, count x nested record
 * RELOCATE      int32 qid, one entry (compaction moved the message here; only its location changes)
 * QUEUE_ATTRS   int32 qid, int32 count, count x (str key, str value): the queue's attributes; follows
 *               its QUEUE_PUT in one TX when the configuration has attributes (a QUEUE_PUT alone
 *               leaves the queue with none)
 * LOCK_ACQUIRE  str name, str lease id, int64 token, str owner, int64 expires at (granted at the
 *               record's time; the token becomes the name's last token)
 * LOCK_KEEPALIVE str name, int64 token, int64 expires at
 * LOCK_RELEASE  str name, int64 token
 * LOCK_STATE_PUT str name, int64 version, int64 token, one entry (EntryCodec; id = version, ready at =
 *               updated at; the content type and payload are the document's)
 * LOCK_STATE_DELETE str name, int64 version (the version deleted; versions are never reused)
 * LOCK_STATE_RELOCATE str name, one entry (compaction moved the document here; only its location changes)
 * GROUP_PUSH    int32 qid, int32 gid, str push configuration (-1: the group is no longer a push group);
 *               follows the GROUP_PUT of a push group and records every later change of its configuration;
 *               gid 0 is the queue's default group (made a push group in place, without a GROUP_PUT)
 * TOKEN_PUT     str id, str name, str secret hash (64 hex digits), int64 created,
 *               int32 count, count x str permission      (an access token was created)
 * TOKEN_REVOKE  str id                                   (the token was revoked and forgotten)
 * </pre>
 *
 * <p>A lock lease ending is not a record: like a message lease it is a timer event, and replay
 * reproduces it by advancing the clock to each record's time. The grant to the next waiter that
 * follows is a {@code LOCK_ACQUIRE}. Waiters are not recorded (a restart drops them). Types 20-29
 * are the lock records; 30 is {@link #GROUP_PUSH}; 16-19 and 31-34 are free for other record
 * families. A journal written before the lock records or {@code GROUP_PUSH} existed holds none of
 * them and opens unchanged.
 *
 * <p>Types 35 to 39 are reserved for access tokens (35 and 36 used); a journal written before
 * tokens existed holds none of them and opens unchanged.
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

    /** The highest type of the queue family (1..LAST); the lock family is 20-25 (see {@link #isKnown}). */
    static final int LAST = QUEUE_ATTRS;
    static final int LOCK_ACQUIRE = 20;
    static final int LOCK_KEEPALIVE = 21;
    static final int LOCK_RELEASE = 22;
    static final int LOCK_STATE_PUT = 23;
    static final int LOCK_STATE_DELETE = 24;
    static final int LOCK_STATE_RELOCATE = 25;
    static final int GROUP_PUSH = 30;
    /** One more than the highest type number in use (for tables indexed by type). */
    static final int LIMIT = TOKEN_REVOKE + 1;

    /** Bytes of a top-level record's frame: length, type, time, CRC. */
    static final int FRAME = 4 + 1 + 8 + 4;

    private RecordType() {
    }

    /** Whether {@code type} is one this build reads. */
    static boolean isKnown(int type) {
        return (type >= QUEUE_PUT && type <= LAST) || (type >= LOCK_ACQUIRE && type <= LOCK_STATE_RELOCATE)
                || type == GROUP_PUSH || type == TOKEN_PUT || type == TOKEN_REVOKE;
    }

    /** The type's name for tools ({@code push}, {@code lock_acquire}, ...), or {@code ?}. */
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
            case LOCK_ACQUIRE -> "lock_acquire";
            case LOCK_KEEPALIVE -> "lock_keepalive";
            case LOCK_RELEASE -> "lock_release";
            case LOCK_STATE_PUT -> "lock_state_put";
            case LOCK_STATE_DELETE -> "lock_state_delete";
            case LOCK_STATE_RELOCATE -> "lock_state_relocate";
            case GROUP_PUSH -> "group_push";
            case TOKEN_PUT -> "token_put";
            case TOKEN_REVOKE -> "token_revoke";
            default -> "?";
        };
    }
}
