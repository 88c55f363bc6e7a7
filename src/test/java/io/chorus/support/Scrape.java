package io.chorus.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One scrape of {@code /metrics}: the raw exposition and each series' value. */
public final class Scrape {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final String text;
  private final Map<String, Double> series = new LinkedHashMap<>();

  private Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int split = line.lastIndexOf(' ');
      series.put(line.substring(0, split), Double.parseDouble(line.substring(split + 1)));
    }
  }

  public static Scrape of(int port) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + response.statusCode());
    }
    return new Scrape(response.body());
  }

  public String text() {
    return text;
  }

  /** The value of one series, written as in the exposition, e.g. {@code chorus_rooms} or {@code x_total{a="b"}}. */
  public double value(String seriesName) {
    Double value = series.get(seriesName);
    if (value == null) {
      throw new AssertionError("no series " + seriesName + " in the scrape");
    }
    return value;
  }

  /** The sum over every series of a metric, whatever its labels. */
  public double sum(String metric) {
    return series.entrySet().stream()
        .filter(entry -> entry.getKey().equals(metric) || entry.getKey().startsWith(metric + "{"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** The sum over the series of a metric whose labels contain {@code labelFragment}, e.g. {@code area="heap"}. */
  public double sum(String metric, String labelFragment) {
    return series.entrySet().stream()
        .filter(entry -> entry.getKey().startsWith(metric + "{") && entry.getKey().contains(labelFragment))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** Every series, written as in the exposition without its value. */
  public Set<String> seriesNames() {
    return Set.copyOf(series.keySet());
  }

  public boolean has(String metric) {
    return series.keySet().stream().anyMatch(key -> key.equals(metric) || key.startsWith(metric + "{"));
  }
}
