/**
 * Running another program safely: no shell, input from {@code /dev/null}, bounded in time and in
 * the error output kept. Used by the queue watch and snapshot ({@code postqueue}) and by {@code
 * greygate doctor} ({@code postconf}). Knows nothing of greygate's policy.
 */
package org.greygate.program;
