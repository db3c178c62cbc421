package dev.sbx.vmm.devices.legacy;

import dev.sbx.vmm.bus.BusDevice;

/**
 * Just enough of the i8042 keyboard controller for Linux to probe it and to reset the machine
 * through it ({@code reboot=k}: command 0xFE on port 0x64). Ports 0x60 (data) and 0x64
 * (status/command) are two separate bus ranges; this device takes both with offsets 0 and 4.
 */
public final class I8042 implements BusDevice {
  /** Data at offset 0, status/command at offset 4 (ports 0x60 and 0x64 on a PC). */
  public static final int PORT_SPAN = 5;
  static final int OFFSET_DATA = 0;
  static final int OFFSET_COMMAND = 4;

  static final int CMD_READ_CTR = 0x20;
  static final int CMD_WRITE_CTR = 0x60;
  static final int CMD_DISABLE_KBD = 0xad;
  static final int CMD_ENABLE_KBD = 0xae;
  static final int CMD_READ_OUTP = 0xd0;
  static final int CMD_RESET_CPU = 0xfe;
  static final int SR_OUTPUT_FULL = 0x01;
  static final int SR_SYSTEM = 0x04;
  static final int SR_COMMAND = 0x08;

  private final Runnable resetRequest;
  private int control = 0x45;
  private int status = SR_SYSTEM;
  private int pendingCommand = -1;
  private int output = -1;

  public I8042(Runnable resetRequest) {
    this.resetRequest = resetRequest;
  }

  @Override
  public synchronized long read(long offset, int size) {
    if (offset == OFFSET_COMMAND) {
      return status | (output >= 0 ? SR_OUTPUT_FULL : 0);
    }
    if (offset == OFFSET_DATA) {
      int v = output >= 0 ? output : 0;
      output = -1;
      return v;
    }
    return 0xff;
  }

  @Override
  public synchronized void write(long offset, int size, long value) {
    int v = (int) value & 0xff;
    if (offset == OFFSET_COMMAND) {
      status |= SR_COMMAND;
      pendingCommand = -1;
      switch (v) {
        case CMD_READ_CTR -> output = control;
        case CMD_WRITE_CTR -> pendingCommand = CMD_WRITE_CTR;
        case CMD_READ_OUTP -> output = 0x01;
        case CMD_RESET_CPU -> resetRequest.run();
        default -> { }
      }
    } else if (offset == OFFSET_DATA) {
      status &= ~SR_COMMAND;
      if (pendingCommand == CMD_WRITE_CTR) {
        control = v;
      }
      pendingCommand = -1;
    }
  }
}
