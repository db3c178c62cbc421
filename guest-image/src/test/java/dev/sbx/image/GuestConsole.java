package dev.sbx.image;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the results a test hook prints on the serial console: {@code @@SBX-TEST-BEGIN name},
 * the command's output, {@code @@SBX-TEST-END name rc=N}.
 */
final class GuestConsole {

  record Section(String output, int rc) {}

  /** Shell function the hooks use to print a section. */
  static final String SECTION_FUNCTION = """
      section() {
        local name=$1; shift
        echo "@@SBX-TEST-BEGIN $name"
        "$@" 2>&1
        echo "@@SBX-TEST-END $name rc=$?"
      }
      as_agent() { su - agent -c "$1"; }
      """;

  private static final Pattern SECTION = Pattern.compile(
      "(?m)^@@SBX-TEST-BEGIN (\\S+)\\n(.*?)^@@SBX-TEST-END \\1 rc=(\\d+)$", Pattern.DOTALL);

  static Map<String, Section> sections(String console) {
    Map<String, Section> sections = new LinkedHashMap<>();
    Matcher m = SECTION.matcher(console);
    while (m.find()) {
      sections.put(m.group(1), new Section(m.group(2), Integer.parseInt(m.group(3))));
    }
    return sections;
  }

  private GuestConsole() {}
}
