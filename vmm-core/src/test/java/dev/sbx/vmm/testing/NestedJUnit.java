package dev.sbx.vmm.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Runs JUnit test classes inside the {@link NestedKvmHost} (L1, with a real SVM-backed
 * {@code /dev/kvm}) with the JUnit console launcher on this module's own test classpath, and turns
 * each test that ran there into a dynamic test here: its failure is a failure here, and a test that
 * skipped inside L1 fails here, because L1 has every piece of hardware those tests ask for.
 */
public final class NestedJUnit {
  /** JVM flags for L1, where every instruction is emulated: JIT tiers beyond C1 do not pay back. */
  private static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Xshare:auto", "-Xmx768m");

  /** Our own status for "L1 died while the command ran". */
  private static final int L1_DIED = 253;

  private NestedJUnit() {}

  /**
   * @param classes fully qualified test classes to run inside L1
   * @param systemProperties {@code -D} properties for the inner JVM
   * @param host L1's size and bound; a share for the reports is added (the checkout is shared by {@link NestedKvmHost})
   */
  public static Stream<DynamicTest> run(List<String> classes, Map<String, String> systemProperties,
      NestedKvmHost.Options host) throws IOException, InterruptedException {
    // A result line per test as it ends keeps the run observable and feeds the stall guard.
    Path reports = Files.createTempDirectory("sbx-nested-reports-");
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(JVM_FLAGS);
      systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
          "org.junit.platform.console.ConsoleLauncher", "execute", "--disable-banner", "--disable-ansi-colors",
          "--details=testfeed", "--reports-dir", reports.toString()));
      for (String c : classes) {
        cmd.add("--select-class");
        cmd.add(c);
      }
      Path xml = reports.resolve("TEST-junit-jupiter.xml");
      NestedKvmHost.Options options = host.share(reports);
      NestedKvmHost.Result r = runInL1(options, cmd);
      if (!Files.isRegularFile(xml) && l1Failed(r)) {
        // L1 itself stopped responding or crashed (QEMU's SVM emulation, not the code under test).
        System.out.println("[nested-kvm: L1 itself failed (exit " + r.exit() + "); once more in a fresh L1]");
        r = runInL1(options, cmd);
      }
      NestedKvmHost.Result run = r;
      if (!Files.isRegularFile(xml) && l1Failed(run)) {
        return Stream.of(DynamicTest.dynamicTest("inner JUnit run in the nested KVM host", () -> Assumptions.abort(
            "the nested KVM host itself failed twice (L1 hung or crashed under QEMU's SVM emulation), so the tests "
                + classes + " could not run; output tail:\n" + tail(run.output()))));
      }
      if (!Files.isRegularFile(xml)) {
        return Stream.of(DynamicTest.dynamicTest("inner JUnit run in the nested KVM host",
            () -> fail("no JUnit report from L1 (exit " + run.exit() + "); output tail:\n" + tail(run.output()))));
      }
      List<DynamicTest> tests = parse(xml, run);
      if (tests.size() <= 1) {
        return Stream.of(DynamicTest.dynamicTest("inner JUnit run in the nested KVM host",
            () -> fail("L1 ran no test of " + classes + "; output tail:\n" + tail(run.output()))));
      }
      return tests.stream();
    } finally {
      deleteTree(reports);
    }
  }

  /** An L1 that printed nothing for too long, ran out of time, or died under the command. */
  private static boolean l1Failed(NestedKvmHost.Result r) {
    return r.exit() == NestedKvmHost.STALLED || r.exit() == NestedKvmHost.TIMED_OUT || r.exit() == L1_DIED;
  }

  /** {@link NestedKvmHost#run}, with L1 dying under the command (its kernel panicked) as a result. */
  private static NestedKvmHost.Result runInL1(NestedKvmHost.Options options, List<String> cmd)
      throws IOException, InterruptedException {
    try {
      return NestedKvmHost.run(options, cmd);
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).contains("L1 stopped before the command ended")) {
        return new NestedKvmHost.Result(L1_DIED, e.getMessage());
      }
      throw e;
    }
  }

  private static List<DynamicTest> parse(Path xml, NestedKvmHost.Result run) throws IOException {
    NodeList cases;
    try {
      var factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      cases = factory.newDocumentBuilder().parse(xml.toFile()).getElementsByTagName("testcase");
    } catch (Exception e) {
      throw new IOException("cannot read " + xml + ": " + e.getMessage(), e);
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < cases.getLength(); i++) {
      Element c = (Element) cases.item(i);
      String cls = c.getAttribute("classname");
      String name = cls.substring(cls.lastIndexOf('.') + 1) + "." + c.getAttribute("name") + " [nested kvm]";
      String failure = text(c, "failure") + text(c, "error");
      String skipped = c.getElementsByTagName("skipped").getLength() > 0 ? "skipped: " + text(c, "skipped") : "";
      tests.add(DynamicTest.dynamicTest(name, () -> {
        if (!failure.isEmpty()) {
          fail("failed inside the nested KVM host:\n" + failure);
        }
        if (!skipped.isEmpty()) {
          fail("skipped inside the nested KVM host, which has the hardware it needs: " + skipped);
        }
      }));
    }
    // A run that ended badly after its last test (the JVM crashed, L1 timed out) fails too.
    tests.add(DynamicTest.dynamicTest("inner JUnit run ended with status 0 [nested kvm]", () -> {
      if (run.exit() != 0) {
        fail("the JUnit run inside the nested KVM host ended with status " + run.exit() + "; output tail:\n"
            + tail(run.output()));
      }
    }));
    return tests;
  }

  private static String text(Element c, String tag) {
    NodeList l = c.getElementsByTagName(tag);
    if (l.getLength() == 0) {
      return "";
    }
    Element e = (Element) l.item(0);
    String msg = e.getAttribute("message");
    String body = e.getTextContent().strip();
    return (msg.isEmpty() ? "" : msg + "\n") + (body.length() > 4000 ? body.substring(0, 4000) + "..." : body);
  }

  private static String tail(String output) {
    return output.length() > 8000 ? output.substring(output.length() - 8000) : output;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
