/**
 * Configuration: the setting catalogue, the loader (defaults &lt; file &lt; environment &lt; flags) and the
 * immutable record it produces. A leaf: imports nothing else of Chorus.
 */
package io.chorus.config;
