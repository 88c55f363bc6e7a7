package io.chorus.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepsCsvTest {
    @TempDir
    Path dir;

    /** One second of 100 deliveries a second to 10 receivers, the server at 50 % of its core. */
    private static StepSummary step() {
        Tally t = new Tally();
        t.connectionsOpen = 10;
        t.sentMeasured = 10;
        t.delivered = 100;
        t.measureNanos = 1_000_000_000L;
        t.serverCpuNanos = 500_000_000L;
        t.generatorCpuNanos = 200_000_000L;
        t.generatorCores = 1;
        t.latency.recordValue(2_000_000L);
        return StepSummary.of(t, 10, false);
    }

    @Test
    void serverCpuPerDeliveryIsCpuTimeOverDeliveries() {
        assertEquals(5000.0, step().serverMicrosPerDelivery(), 1e-9);
    }

    @Test
    void serverCpuPerDeliveryIsUnknownWithoutTheServersCpu() {
        Tally t = new Tally();
        t.delivered = 100;
        t.measureNanos = 1_000_000_000L;
        assertEquals(-1, StepSummary.of(t, 10, false).serverMicrosPerDelivery());
    }

    @Test
    void everyStepIsOneLineUnderTheHeaderWithItsVerdict() throws Exception {
        Path file = dir.resolve("steps.csv");
        try (StepsCsv csv = StepsCsv.open(file)) {
            csv.write(1, step(), true);
            csv.write(2, step(), false);
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of(StepsCsv.HEADER,
                "1,100,100,0.000000,2.001,2.001,2.001,2.001,2.001,50.0,5000.000,20.0,0.000,true",
                "2,100,100,0.000000,2.001,2.001,2.001,2.001,2.001,50.0,5000.000,20.0,0.000,false"), lines);
        assertEquals(StepsCsv.HEADER.split(",").length, lines.get(1).split(",").length);
    }

    @Test
    void withoutAFileNothingIsWritten() throws Exception {
        try (StepsCsv csv = StepsCsv.open(null)) {
            csv.write(1, step(), true);
        }
        assertEquals(0, Files.list(dir).count());
    }
}
