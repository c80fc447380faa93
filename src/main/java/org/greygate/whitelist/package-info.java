/**
 * Client and recipient whitelists in Postgrey's file grammar: parsing (with file:line errors),
 * matching, and atomic reload on file change or SIGHUP.
 *
 * <p>Rule: this package knows nothing of how requests arrive. Regexes are RE2/J: linear time
 * whatever the pattern.
 */
package org.greygate.whitelist;
