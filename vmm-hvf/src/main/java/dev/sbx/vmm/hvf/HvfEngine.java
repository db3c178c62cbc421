package dev.sbx.vmm.hvf;

import dev.sbx.vmm.engine.AttachedDevice;
import dev.sbx.vmm.engine.BootSpec;
import dev.sbx.vmm.engine.Engine;
import dev.sbx.vmm.engine.EngineAvailability;
import dev.sbx.vmm.engine.EngineException;
import dev.sbx.vmm.engine.EnginePaths;
import dev.sbx.vmm.engine.RunningVm;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

/**
 * The hvf engine's place in the engine list: Hypervisor.framework on macOS (Apple silicon): plan step 11. Until it is built, selecting it says
 * so in one line, and automatic selection passes over it.
 */
public final class HvfEngine implements Engine {
  private static final String NOT_BUILT = "the hvf engine is not available in this build yet";

  @Override
  public String id() {
    return "hvf";
  }

  @Override
  public boolean hardwareAccelerated() {
    return true;
  }

  @Override
  public EngineAvailability availability() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) {
      return EngineAvailability.foreign("the hvf engine needs macOS on Apple silicon");
    }
    return EngineAvailability.missing(NOT_BUILT);
  }

  @Override
  public RunningVm start(BootSpec boot, List<AttachedDevice> devices, EnginePaths paths, OutputStream console)
      throws EngineException {
    throw new EngineException(NOT_BUILT);
  }
}
