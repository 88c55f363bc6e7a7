/**
 * Metrics: every Chorus meter in one class, with closed label vocabularies. A leaf: imports nothing else of Chorus.
 */
package io.chorus.metrics;
