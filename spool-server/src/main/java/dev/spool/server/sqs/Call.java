package dev.spool.server.sqs;

import java.util.function.BooleanSupplier;

import dev.spool.server.security.Principal;

/**
 * Who made a request and how it reached the server.
 *
 * @param baseUrl scheme and authority the client used ({@code http://127.0.0.1:7070}), the base of
 *        the queue URLs in replies
 * @param senderId the access key id that signed the request, or the account id when unsigned
 * @param gone whether the client closed the connection (a long poll then gives its messages back)
 * @param principal what the caller may do ({@link SqsAccess})
 */
record Call(String baseUrl, String senderId, BooleanSupplier gone, Principal principal) {
}
