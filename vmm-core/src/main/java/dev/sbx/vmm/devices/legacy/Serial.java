package dev.sbx.vmm.devices.legacy;

import dev.sbx.vmm.bus.BusDevice;
import dev.sbx.vmm.hypervisor.InterruptLine;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * A 16550A UART, enough for Linux's 8250 driver in interrupt or polled mode. Output goes to a sink
 * (console log and/or stdout); input is queued by {@link #enqueueInput} and bounded.
 */
public final class Serial implements BusDevice {
  /** Registers: eight consecutive ports or bytes. */
  public static final int REGISTER_COUNT = 8;
  /** Bytes of pending input kept; more is dropped, as a real FIFO overrun would. */
  static final int INPUT_CAPACITY = 64 * 1024;

  static final int DATA = 0;
  static final int IER = 1;
  static final int IIR_FCR = 2;
  static final int LCR = 3;
  static final int MCR = 4;
  static final int LSR = 5;
  static final int MSR = 6;
  static final int SCR = 7;

  static final int IER_RX = 0x01;
  static final int IER_THR = 0x02;
  static final int IIR_NONE = 0x01;
  static final int IIR_THR = 0x02;
  static final int IIR_RX = 0x04;
  static final int IIR_FIFO = 0xc0;
  static final int LCR_DLAB = 0x80;
  static final int LSR_DR = 0x01;
  static final int LSR_THRE = 0x20;
  static final int LSR_TEMT = 0x40;
  static final int MCR_LOOP = 0x10;
  /** MSR in loopback: CTS, DSR, RI, DCD mirror RTS, DTR, OUT1, OUT2. */
  static final int MSR_DEFAULT = 0xb0;

  private final OutputStream sink;
  private final InterruptLine irq;
  private final ArrayDeque<Byte> input = new ArrayDeque<>();
  private int ier;
  private int lcr = 0x03;
  private int mcr = 0x08;
  private int scr;
  private int dll = 0x0c;
  private int dlm;
  private boolean thrInterruptPending;

  public Serial(OutputStream sink, InterruptLine irq) {
    this.sink = sink;
    this.irq = irq;
  }

  @Override
  public synchronized long read(long offset, int size) {
    if (size != 1) {
      return 0xff;
    }
    return switch ((int) offset) {
      case DATA -> {
        if ((lcr & LCR_DLAB) != 0) {
          yield dll;
        }
        Byte b = input.pollFirst();
        updateInterrupt();
        yield b == null ? 0 : b & 0xff;
      }
      case IER -> (lcr & LCR_DLAB) != 0 ? dlm : ier;
      case IIR_FCR -> {
        int iir = iir();
        if (iir == IIR_THR) {
          // Reading IIR clears a THR-empty interrupt (16550 datasheet).
          thrInterruptPending = false;
        }
        yield iir | IIR_FIFO;
      }
      case LCR -> lcr;
      case MCR -> mcr;
      case LSR -> LSR_THRE | LSR_TEMT | (input.isEmpty() ? 0 : LSR_DR);
      case MSR -> (mcr & MCR_LOOP) != 0 ? ((mcr & 0x0c) << 4) | ((mcr & 0x03) << 4) : MSR_DEFAULT;
      case SCR -> scr;
      default -> 0xff;
    };
  }

  @Override
  public synchronized void write(long offset, int size, long value) {
    if (size != 1) {
      return;
    }
    int v = (int) value & 0xff;
    switch ((int) offset) {
      case DATA -> {
        if ((lcr & LCR_DLAB) != 0) {
          dll = v;
        } else if ((mcr & MCR_LOOP) != 0) {
          queue(v);
        } else {
          emit(v);
          thrInterruptPending = true;
          updateInterrupt();
        }
      }
      case IER -> {
        if ((lcr & LCR_DLAB) != 0) {
          dlm = v;
        } else {
          boolean thrEnabled = (v & IER_THR) != 0 && (ier & IER_THR) == 0;
          ier = v & 0x0f;
          // Enabling the THR interrupt with an empty holding register raises it at once.
          if (thrEnabled) {
            thrInterruptPending = true;
          }
          updateInterrupt();
        }
      }
      case LCR -> lcr = v;
      case MCR -> mcr = v & 0x1f;
      case SCR -> scr = v;
      default -> { }
    }
  }

  /** Queues bytes for the guest to read (console input). */
  public void enqueueInput(byte[] data) {
    synchronized (this) {
      for (byte b : data) {
        queue(b & 0xff);
      }
      updateInterrupt();
    }
  }

  private void queue(int b) {
    if (input.size() < INPUT_CAPACITY) {
      input.addLast((byte) b);
    }
  }

  private int iir() {
    if ((ier & IER_RX) != 0 && !input.isEmpty()) {
      return IIR_RX;
    }
    if ((ier & IER_THR) != 0 && thrInterruptPending) {
      return IIR_THR;
    }
    return IIR_NONE;
  }

  private void updateInterrupt() {
    if (iir() != IIR_NONE) {
      irq.trigger();
    }
  }

  private void emit(int b) {
    try {
      sink.write(b);
      if (b == '\n') {
        sink.flush();
      }
    } catch (IOException e) {
      // A console that cannot be written must not stop the guest.
    }
  }
}
