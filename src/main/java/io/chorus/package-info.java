/**
 * Chorus: the composition root ({@code Chorus}), the command line ({@code Main}) and the gateway verticle. The only
 * package that sees every other one.
 */
package io.chorus;
