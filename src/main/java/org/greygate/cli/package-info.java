/**
 * Picocli commands: {@code serve}, {@code check}, {@code db}. Commands parse and wire; they hold no
 * decision logic.
 *
 * <p>Rule: the only package that imports {@code picocli}.
 */
package org.greygate.cli;
