package dev.sbx.vmm.whp;

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
 * The whp engine's place in the engine list: the Windows Hypervisor Platform on Windows 10/11: plan step 12. Until it is built, selecting it says
 * so in one line, and automatic selection passes over it.
 */
public final class WhpEngine implements Engine {
  private static final String NOT_BUILT = "the whp engine is not available in this build yet";

  @Override
  public String id() {
    return "whp";
  }

  @Override
  public boolean hardwareAccelerated() {
    return true;
  }

  @Override
  public EngineAvailability availability() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")) {
      return EngineAvailability.foreign("the whp engine needs Windows with the Windows Hypervisor Platform");
    }
    return EngineAvailability.missing(NOT_BUILT);
  }

  @Override
  public RunningVm start(BootSpec boot, List<AttachedDevice> devices, EnginePaths paths, OutputStream console)
      throws EngineException {
    throw new EngineException(NOT_BUILT);
  }
}
