/**
 * Encryption at rest, shared by every backend: the {@link dev.spool.api.crypto.Keyring} of named
 * AES-256 keys and the chunked AES-GCM {@link dev.spool.api.crypto.Envelope} that payloads, task
 * results and lock state documents are stored in. JDK cryptography only.
 */
package dev.spool.api.crypto;
