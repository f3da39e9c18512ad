package dev.spool.server.sqs;

/**
 * An error as SQS reports it: the error shape of the SQS model ({@code __type} in the JSON
 * protocol), the query-protocol code ({@code <Code>} in XML, {@code x-amzn-query-error} in JSON),
 * the HTTP status and whether the sender is at fault.
 */
final class SqsError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String shape;
    final String queryCode;
    final int status;
    final boolean sender;

    SqsError(String shape, String queryCode, int status, boolean sender, String message) {
        super(message, null, false, false);
        this.shape = shape;
        this.queryCode = queryCode;
        this.status = status;
        this.sender = sender;
    }

    private static SqsError client(String shape, String queryCode, int status, String message) {
        return new SqsError(shape, queryCode, status, true, message);
    }

    static SqsError nonExistentQueue() {
        return client("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400,
                "The specified queue does not exist.");
    }

    static SqsError queueNameExists(String name) {
        return client("QueueNameExists", "QueueAlreadyExists", 400,
                "A queue already exists with the same name and a different value for attributes: " + name);
    }

    static SqsError invalidParameter(String message) {
        return client("InvalidParameterValue", "InvalidParameterValue", 400, message);
    }

    static SqsError missingParameter(String name) {
        return client("MissingParameter", "MissingParameter", 400,
                "The request must contain the parameter " + name + ".");
    }

    static SqsError invalidAttributeName(String name) {
        return client("InvalidAttributeName", "InvalidAttributeName", 400, "Unknown Attribute " + name + ".");
    }

    static SqsError invalidAttributeValue(String message) {
        return client("InvalidAttributeValue", "InvalidAttributeValue", 400, message);
    }

    static SqsError invalidAddress(String message) {
        return client("InvalidAddress", "InvalidAddress", 404, message);
    }

    static SqsError receiptHandleIsInvalid(String handle) {
        return client("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404,
                "The input receipt handle \"" + shorten(handle) + "\" is not a valid receipt handle.");
    }

    static SqsError messageNotInflight() {
        return client("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400,
                "The message referred to isn't in flight.");
    }

    static SqsError invalidMessageContents(String message) {
        return client("InvalidMessageContents", "InvalidMessageContents", 400, message);
    }

    static SqsError emptyBatch() {
        return client("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                "There should be at least one entry in the request.");
    }

    static SqsError tooManyEntries() {
        return client("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                "Maximum number of entries per request are 10.");
    }

    static SqsError idsNotDistinct(String id) {
        return client("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400,
                "Id " + shorten(id) + " repeated.");
    }

    static SqsError invalidBatchEntryId(String id) {
        return client("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400,
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                        + "It can be at most 80 letters long: " + shorten(id));
    }

    static SqsError batchTooLong(long max) {
        return client("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400,
                "Batch requests cannot be longer than " + max + " bytes.");
    }

    static SqsError unsupported(String message) {
        return client("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, message);
    }

    static SqsError resourceNotFound(String message) {
        return client("ResourceNotFoundException", "ResourceNotFoundException", 404, message);
    }

    static SqsError invalidAction(String action) {
        return client("InvalidAction", "InvalidAction", 400, "The action " + shorten(action) + " is not valid.");
    }

    static SqsError unknownOperation() {
        return client("UnknownOperationException", "UnknownOperationException", 400, "Unknown operation.");
    }

    static SqsError malformed(String message) {
        return client("MalformedQueryString", "MalformedQueryString", 400, message);
    }

    static SqsError missingAuthentication() {
        return client("MissingAuthenticationToken", "MissingAuthenticationToken", 403,
                "Request is missing Authentication Token");
    }

    static SqsError incompleteSignature(String message) {
        return client("IncompleteSignature", "IncompleteSignature", 400, message);
    }

    static SqsError invalidClientTokenId() {
        return client("InvalidClientTokenId", "InvalidClientTokenId", 403,
                "The security token included in the request is invalid.");
    }

    static SqsError signatureDoesNotMatch() {
        return client("SignatureDoesNotMatch", "SignatureDoesNotMatch", 403,
                "The request signature we calculated does not match the signature you provided.");
    }

    static SqsError requestExpired() {
        return client("RequestExpired", "RequestExpired", 400, "Request has expired.");
    }

    static SqsError throttled(String message) {
        return client("RequestThrottled", "RequestThrottled", 403, message);
    }

    static SqsError unavailable(String message) {
        return new SqsError("ServiceUnavailable", "ServiceUnavailable", 503, false, message);
    }

    static SqsError internal() {
        return new SqsError("InternalFailure", "InternalError", 500, false,
                "The request processing has failed because of an unknown error.");
    }

    private static String shorten(String s) {
        return s == null ? "" : s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
