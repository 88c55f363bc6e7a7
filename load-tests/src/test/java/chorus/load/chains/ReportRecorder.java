package chorus.load.chains;

import io.gatling.commons.stats.KO$;
import io.gatling.commons.stats.OK$;
import io.gatling.commons.stats.Status;
import io.gatling.core.stats.StatsEngine;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.Session;
import scala.Option;

/**
 * Writes measurements that Gatling cannot take itself into the run's statistics, as if they were
 * requests: they appear in the HTML report with percentiles and can be gated by assertions.
 *
 * <p>Gatling times a WebSocket check from the moment its own frame was sent, so it can time the
 * sender's round trip but not the delivery of someone else's message. That latency is taken from
 * the {@code sentAt} time inside each payload and recorded here.
 *
 * <p>The Java DSL has no public API for this. {@link #attach()} is a no-op action whose only job is
 * to pick up the run's {@link StatsEngine} when Gatling builds the scenario; Gatling's StatsEngine is
 * safe to call from any thread. This couples the load tests to Gatling's internal Scala API, which is
 * why the Gatling version is pinned in the pom.
 */
public final class ReportRecorder {

  private volatile StatsEngine statsEngine;

  /** Put once at the start of every scenario that records; it adds no step to the users' flow. */
  public ActionBuilder attach() {
    return () -> (context, next) -> {
      statsEngine = context.coreComponents().statsEngine();
      return next;
    };
  }

  public void ok(Session session, String name, long startMillis, long endMillis) {
    engine().logResponse(session.scenario(), session.asScala().groups(), name,
        startMillis, Math.max(startMillis, endMillis), OK$.MODULE$, Option.empty(), Option.empty());
  }

  public void ko(Session session, String name, long atMillis, String message) {
    Status ko = KO$.MODULE$;
    engine().logResponse(session.scenario(), session.asScala().groups(), name,
        atMillis, atMillis, ko, Option.empty(), Option.apply(message));
  }

  private StatsEngine engine() {
    StatsEngine engine = statsEngine;
    if (engine == null) {
      throw new IllegalStateException("ReportRecorder.attach() is missing from the scenario");
    }
    return engine;
  }
}
