package dev.sbx.vmm.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.hypervisor.InterruptLine;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LegacyDevicesTest {
  private final AtomicInteger interrupts = new AtomicInteger();
  private final InterruptLine irq = new InterruptLine() {
    @Override
    public void trigger() {
      interrupts.incrementAndGet();
    }

    @Override
    public void setLevel(boolean asserted) {}
  };

  @Test
  void serialWritesTransmittedBytesToTheSink() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Serial s = new Serial(out, irq);
    for (byte b : "hi\n".getBytes()) {
      s.write(Serial.DATA, 1, b);
    }
    assertEquals("hi\n", out.toString());
    assertEquals(Serial.LSR_THRE | Serial.LSR_TEMT, s.read(Serial.LSR, 1));
  }

  @Test
  void serialDivisorLatchDoesNotTransmit() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Serial s = new Serial(out, irq);
    s.write(Serial.LCR, 1, Serial.LCR_DLAB | 3);
    s.write(Serial.DATA, 1, 0x01);
    s.write(Serial.IER, 1, 0x00);
    assertEquals(0x01, s.read(Serial.DATA, 1));
    s.write(Serial.LCR, 1, 3);
    assertEquals(0, out.size());
  }

  @Test
  void serialRaisesThrAndReceiveInterrupts() {
    Serial s = new Serial(new ByteArrayOutputStream(), irq);
    s.write(Serial.IER, 1, Serial.IER_THR);
    assertEquals(1, interrupts.get(), "enabling THRE with an empty holding register interrupts");
    assertEquals(Serial.IIR_THR | Serial.IIR_FIFO, s.read(Serial.IIR_FCR, 1));
    assertEquals(Serial.IIR_NONE | Serial.IIR_FIFO, s.read(Serial.IIR_FCR, 1), "reading IIR clears THRE");
    s.write(Serial.IER, 1, Serial.IER_RX);
    s.enqueueInput(new byte[] {'a', 'b'});
    assertTrue(interrupts.get() >= 2);
    assertEquals(Serial.IIR_RX | Serial.IIR_FIFO, s.read(Serial.IIR_FCR, 1));
    assertEquals(Serial.LSR_DR, s.read(Serial.LSR, 1) & Serial.LSR_DR);
    assertEquals('a', s.read(Serial.DATA, 1));
    assertEquals('b', s.read(Serial.DATA, 1));
    assertEquals(0, s.read(Serial.LSR, 1) & Serial.LSR_DR);
  }

  @Test
  void serialInputIsBounded() {
    Serial s = new Serial(new ByteArrayOutputStream(), irq);
    s.enqueueInput(new byte[Serial.INPUT_CAPACITY + 100]);
    int n = 0;
    while ((s.read(Serial.LSR, 1) & Serial.LSR_DR) != 0) {
      s.read(Serial.DATA, 1);
      n++;
    }
    assertEquals(Serial.INPUT_CAPACITY, n);
  }

  @Test
  void serialLoopbackEchoesIntoInput() {
    Serial s = new Serial(new ByteArrayOutputStream(), irq);
    s.write(Serial.MCR, 1, Serial.MCR_LOOP);
    s.write(Serial.DATA, 1, 'z');
    assertEquals('z', s.read(Serial.DATA, 1));
  }

  @Test
  void i8042ResetCommandEndsTheMachine() {
    AtomicInteger resets = new AtomicInteger();
    I8042 kbd = new I8042(resets::incrementAndGet);
    kbd.write(I8042.OFFSET_COMMAND, 1, I8042.CMD_READ_CTR);
    assertEquals(I8042.SR_OUTPUT_FULL, kbd.read(I8042.OFFSET_COMMAND, 1) & I8042.SR_OUTPUT_FULL);
    assertEquals(0x45, kbd.read(I8042.OFFSET_DATA, 1));
    kbd.write(I8042.OFFSET_COMMAND, 1, I8042.CMD_WRITE_CTR);
    kbd.write(I8042.OFFSET_DATA, 1, 0x47);
    kbd.write(I8042.OFFSET_COMMAND, 1, I8042.CMD_READ_CTR);
    assertEquals(0x47, kbd.read(I8042.OFFSET_DATA, 1));
    assertEquals(0, resets.get());
    kbd.write(I8042.OFFSET_COMMAND, 1, I8042.CMD_RESET_CPU);
    assertEquals(1, resets.get());
  }

  @Test
  void bootTimerFiresOnceOnTheMagicValue() {
    AtomicLong fired = new AtomicLong(-1);
    AtomicInteger calls = new AtomicInteger();
    BootTimer t = new BootTimer(System.nanoTime(), n -> {
      fired.set(n);
      calls.incrementAndGet();
    });
    t.write(0, 1, 7);
    assertEquals(-1, t.bootNanos());
    t.write(0, 1, BootTimer.MAGIC);
    t.write(0, 1, BootTimer.MAGIC);
    assertEquals(1, calls.get());
    assertTrue(t.bootNanos() >= 0);
    assertEquals(t.bootNanos(), fired.get());
  }
}
