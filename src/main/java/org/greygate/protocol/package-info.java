/**
 * The Postfix policy delegation wire format: framing with enforced limits, the immutable {@link
 * org.greygate.protocol.PolicyRequest}, and reply encoding.
 *
 * <p>Rule: this package knows nothing of greylisting, storage or Netty. It is fed plain bytes.
 */
package org.greygate.protocol;
