/**
 * Files in directories that another local user may control: the database directory belongs to the
 * daemon's user, yet root's tools ({@code report}, {@code db}, {@code limits}) work in it, and
 * reports are written where the admin says. Every file greygate creates is created exclusively at
 * an unguessable name and made the owner's alone whatever the umask; every file it opens there is
 * opened without following links and only when the directory's owner owns it.
 *
 * <p>Rule: knows nothing of the rest of greygate.
 */
package org.greygate.files;
