package dev.sbx.cli.engine;

import dev.sbx.cli.UserException;
import dev.sbx.vmm.kvm.KvmHostProbe;
import dev.sbx.vmm.tcg.QemuBinary;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks the engine: an explicit choice (flag, then the {@code engine} setting) wins; {@code auto}
 * takes the platform's hardware engine when it is usable and otherwise falls back to {@code tcg}
 * with a warning. A {@code /dev/kvm} that only emulates guest ring 0 (the PVM host module) counts
 * as unusable, because a stock kernel cannot boot on it.
 */
public final class EngineSelector {
  private EngineSelector() {}

  public static HostFacts probeHost() {
    return new HostFacts(System.getProperty("os.name").toLowerCase(Locale.ROOT),
        KvmHostProbe.whyNotHardwareBacked(), QemuBinary.find().isPresent());
  }

  /**
   * @param requested {@code auto} or an engine name
   * @throws UserException when nothing usable remains, naming what to install
   */
  public static EngineChoice select(String requested, HostFacts host) {
    Engine wanted;
    try {
      wanted = Engine.parse(requested);
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage(), dev.sbx.cli.ExitCodes.USAGE);
    }
    if (wanted != null) {
      return explicit(wanted, host);
    }
    if (host.linux()) {
      if (host.kvmUnusable().isEmpty()) {
        return new EngineChoice(Engine.KVM, Optional.empty());
      }
      if (host.qemu()) {
        return new EngineChoice(Engine.TCG, Optional.of("no usable hardware virtualization ("
            + host.kvmUnusable().get() + "); using the tcg engine (QEMU emulation), which is much slower"));
      }
      throw new UserException("no usable engine: " + host.kvmUnusable().get()
          + ", and QEMU for the tcg engine is not installed; install it with: " + QemuBinary.INSTALL_HINT);
    }
    if (host.mac()) {
      return explicit(Engine.HVF, host);
    }
    if (host.windows()) {
      return explicit(Engine.WHP, host);
    }
    return explicit(Engine.TCG, host);
  }

  private static EngineChoice explicit(Engine engine, HostFacts host) {
    switch (engine) {
      case KVM -> {
        if (!host.linux()) {
          throw new UserException("the kvm engine needs Linux; use auto or tcg");
        }
        if (host.kvmUnusable().isPresent() && host.kvmUnusable().get().contains("does not exist")) {
          throw new UserException("the kvm engine needs /dev/kvm, which does not exist; use --engine tcg");
        }
        return new EngineChoice(Engine.KVM, host.kvmUnusable().map(why -> why + "; a Linux guest will not boot"));
      }
      case TCG -> {
        if (!host.qemu()) {
          throw new UserException("the tcg engine needs QEMU; install it with: " + QemuBinary.INSTALL_HINT);
        }
        return new EngineChoice(Engine.TCG, Optional.empty());
      }
      case HVF -> {
        if (!host.mac()) {
          throw new UserException("the hvf engine needs macOS on Apple silicon; use auto");
        }
        throw new UserException("the hvf engine is not available in this build yet; use --engine tcg");
      }
      case WHP -> {
        if (!host.windows()) {
          throw new UserException("the whp engine needs Windows with the Windows Hypervisor Platform; use auto");
        }
        throw new UserException("the whp engine is not available in this build yet; use --engine tcg");
      }
      default -> throw new IllegalStateException(engine.toString());
    }
  }
}
