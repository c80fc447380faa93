/**
 * A store in memory: what {@code check} answers from when no database exists yet, and the second
 * backend the store contract suite runs over. Not durable.
 */
package org.greygate.store.memory;
