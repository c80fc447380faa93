/**
 * SPF (RFC 7208) as greylisting uses it: whether a client may send for the envelope sender's
 * domain, asked asynchronously within the request's DNS budget, so that retries from any address of
 * a sender's pool count as one triplet.
 */
package org.greygate.spf;
