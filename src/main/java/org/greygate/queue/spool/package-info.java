/**
 * The spool integrity watch: Postfix's queue directories watched for what Postfix itself never does
 * (files owned by others, links, fifos, open permissions, names that are no queue ID, files made
 * where Postfix only moves them, queued messages changed, directories whose owner or mode changed).
 * Reads file metadata only (lstat, never following a link), never a message's content. Knows
 * nothing of greylisting, rate limits or the store.
 */
package org.greygate.queue.spool;
