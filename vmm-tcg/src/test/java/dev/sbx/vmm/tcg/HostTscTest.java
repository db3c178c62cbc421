package dev.sbx.vmm.tcg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostTscTest {
  @Test
  void firstCpuMhzLineGivesKhz() {
    assertEquals(Optional.of(2596150L), HostTsc.khz(List.of("processor\t: 0", "cpu MHz\t\t: 2596.150", "cpu MHz : 1.0")));
  }

  @Test
  void missingOrOddValuesGiveNothing() {
    assertEquals(Optional.empty(), HostTsc.khz(List.of("processor\t: 0")));
    assertEquals(Optional.empty(), HostTsc.khz(List.of("cpu MHz\t\t: fast")));
    assertEquals(Optional.empty(), HostTsc.khz(List.of("cpu MHz")));
    assertEquals(Optional.empty(), HostTsc.khz(List.of("cpu MHz : -5")));
  }
}
