package org.greygate.doctor;

/**
 * One thing wrong.
 *
 * @param where the file and parameter, service or option it is about ({@code main.cf
 *     smtpd_recipient_restrictions}, {@code master.cf submission}, {@code --idle-timeout})
 * @param problem what is wrong and what it does to mail, in words
 * @param fix the exact line to write, or what to do when no single line fixes it
 */
public record Finding(String where, String problem, String fix) {}
