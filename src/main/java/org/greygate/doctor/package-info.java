/**
 * {@code greygate doctor}: reads Postfix's configuration as {@code postconf} prints it and the
 * facts of greygate's own ({@link org.greygate.doctor.GreygateFacts}, built by the composition
 * root), and says what is wrong with the exact line to write. The checks ({@link
 * org.greygate.doctor.Doctor}) are pure; reading {@code postconf}, probing the listeners and the
 * files are apart. Knows no feature and no server: it is handed what it checks.
 */
package org.greygate.doctor;
