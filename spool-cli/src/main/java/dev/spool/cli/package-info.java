/**
 * The {@code spool} command: {@code spool serve} runs a server, the other commands talk to one over
 * HTTP through {@code spool-client}. Entry point {@link dev.spool.cli.SpoolCli}.
 */
package dev.spool.cli;
