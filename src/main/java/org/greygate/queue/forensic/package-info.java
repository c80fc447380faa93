/**
 * The forensic snapshot of Postfix's queue ({@code greygate queue snapshot|verify|diff}): a
 * read-only copy of the spool into an archive with a manifest of every file (path, SHA-256, size,
 * owner, group, mode, mtime, kind), {@code postqueue -j}'s listing and the mail log's tail, for the
 * chain of custody after an incident. Never modifies, renames or locks anything of Postfix's, never
 * follows a link, never opens a fifo or a device. Knows nothing of greylisting, rate limits, the
 * store or the daemon; named only by the queue feature's command group.
 */
package org.greygate.queue.forensic;
