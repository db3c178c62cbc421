package dev.sbx.vmm.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.testing.Iasl;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AML encoder against ACPICA: a DSDT using every encoding the encoder has (all integer
 * widths, strings, multi-segment paths, two- and three-byte PkgLengths) disassembles cleanly and
 * recompiles, with optimisations off, to exactly our bytes.
 */
class AmlIaslTest {

  @TempDir
  Path dir;

  @Test
  void encoderOutputRoundTripsThroughIasl() throws IOException {
    byte[] big = new byte[5000]; // Buffer and Device need three-byte PkgLengths
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    byte[] aml = Aml.concat(
        Aml.scope("\\_SB_",
            Aml.device("DEV0",
                Aml.name("_HID", Aml.eisaId("PNP0A05")),
                Aml.name("INT0", Aml.integer(0)),
                Aml.name("INT1", Aml.integer(1)),
                Aml.name("INTO", Aml.integer(-1L)),
                Aml.name("INTB", Aml.integer(0x7F)),
                Aml.name("INTW", Aml.integer(0x1234)),
                Aml.name("INTD", Aml.integer(0x12345678L)),
                Aml.name("INTQ", Aml.integer(0x123456789ABCDEF0L)),
                Aml.name("STR0", Aml.string("hello, world")),
                Aml.name("BIG0", Aml.buffer(big)),
                Aml.device("SUB0", Aml.name("_ADR", Aml.integer(0)))),
            Aml.device("DEV1", Aml.name("_HID", Aml.string("SBX0001")))),
        Aml.scope("\\_SB_.DEV0", Aml.name("DUAL", Aml.integer(2))),
        Aml.scope("\\_SB_.DEV0.SUB0", Aml.name("MULT", Aml.integer(4))),
        Aml.scope("_SB_.DEV1", Aml.name("REL0", Aml.integer(3))));
    byte[] dsdt = Dsdt.build(aml);

    String dsl = Iasl.disassemble(dir, "DSDT", dsdt);
    assertTrue(dsl.contains("Name (INTQ, 0x123456789ABCDEF0)"), dsl);
    assertTrue(dsl.contains("Name (INTO, Ones)"), dsl);
    assertTrue(dsl.contains("Name (STR0, \"hello, world\")"), dsl);
    assertTrue(dsl.contains("Name (BIG0, Buffer (0x1388)"), dsl);
    assertTrue(dsl.contains("EisaId (\"PNP0A05\")"), dsl);
    assertTrue(dsl.contains("Scope (\\_SB.DEV0)"), dsl);
    assertTrue(dsl.contains("Scope (\\_SB.DEV0.SUB0)"), dsl);

    byte[] recompiled = Iasl.compile(dir, "DSDT");
    assertEquals(dsdt.length, recompiled.length);
    for (int i = Sdt.HEADER_SIZE; i < dsdt.length; i++) {
      assertEquals(dsdt[i], recompiled[i], "byte " + i);
    }
  }
}
