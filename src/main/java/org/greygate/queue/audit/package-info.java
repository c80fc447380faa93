/**
 * Who ran Postfix's queue tools: the auth log's {@code sudo} and {@code su} lines and auditd's
 * records of {@code postsuper}, {@code postcat} and changes under {@code /var/spool/postfix}, read
 * into {@link org.greygate.queue.audit.ToolRun}s and judged against the queue admins. Pure parsing
 * and judging, no I/O: the queue watch follows the files and hands over their lines.
 */
package org.greygate.queue.audit;
