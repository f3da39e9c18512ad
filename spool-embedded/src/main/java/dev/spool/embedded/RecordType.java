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
 * </pre>
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

    /** The highest type this build writes; a record with a type outside 1..LAST is damage. */
    static final int LAST = QUEUE_ATTRS;

    /** Whether {@code type} is one this build reads. */
    static boolean isKnown(int type) {
        return type >= QUEUE_PUT && type <= LAST;
    }

    /** Bytes of a top-level record's frame: length, type, time, CRC. */
    static final int FRAME = 4 + 1 + 8 + 4;

    private RecordType() {
    }
}
