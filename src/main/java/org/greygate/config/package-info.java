/**
 * What every domain configuration shares: {@link org.greygate.config.Setting}, one setting's
 * declaration (name, default, parser, doc line), made by the package it configures; {@link
 * org.greygate.config.Settings}, their values as given; {@link org.greygate.config.InvalidSetting},
 * the one error a configuration value raises, naming the setting as declared. Only the command line
 * knows how a setting becomes an option.
 */
package org.greygate.config;
