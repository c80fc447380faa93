/**
 * The service manager's side channel: readiness, reload and stop notices for systemd's {@code
 * Type=notify}. Only this package calls native code of its own (libc through jnr-ffi); nothing else
 * here depends on it, and without systemd it does nothing.
 */
package org.greygate.systemd;
