/**
 * A closed-loop load generator speaking the policy protocol as Postfix does, for sizing a
 * deployment and for the project's own benchmarks. Plain blocking sockets: one thread per
 * connection, each sending one request and waiting for its answer.
 */
package org.greygate.bench;
