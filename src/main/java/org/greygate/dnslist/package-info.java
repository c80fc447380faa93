/**
 * DNS allow and block lists (DNSWL, DNSBL): which lists a client is on, what that scores, and the
 * policy stage that waves well-scored clients through before greylisting.
 */
package org.greygate.dnslist;
