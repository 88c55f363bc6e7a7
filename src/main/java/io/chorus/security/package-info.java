/**
 * Security at the edge: origin checks, API keys, per-connection and per-address rate limits, the node's connection
 * budget. A leaf: imports nothing else of Chorus.
 */
package io.chorus.security;
