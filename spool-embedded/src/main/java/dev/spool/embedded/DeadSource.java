package dev.spool.embedded;

/**
 * Where a dead letter came from.
 *
 * @param queue the source queue name
 * @param group the group it died in
 * @param id its id in the source queue
 * @param reason why it died
 * @param attempts deliveries it had
 */
record DeadSource(String queue, String group, long id, String reason, int attempts) {
}
