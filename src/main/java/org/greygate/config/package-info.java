/**
 * What every domain configuration shares: {@link org.greygate.config.InvalidSetting}, the one error
 * a configuration value raises, naming the setting in the domain's words. The command line turns
 * setting names into option names; nothing below it knows an option name.
 */
package org.greygate.config;
