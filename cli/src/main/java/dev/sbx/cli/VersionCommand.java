package dev.sbx.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sbx version}: fast, no engine probing. */
@Command(name = "version", description = "Show the sbx version, commit and Java runtime.")
final class VersionCommand implements Callable<Integer> {

  @Option(names = "--json", description = "Print a JSON object: {version, commit, java}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    BuildInfo info = BuildInfo.current();
    String javaVersion = System.getProperty("java.version");
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode node = mapper.createObjectNode();
      node.put("version", info.version());
      node.put("commit", info.commit());
      node.put("java", javaVersion);
      spec.commandLine().getOut().println(mapper.writeValueAsString(node));
    } else {
      spec.commandLine().getOut().printf("sbx %s (commit %s)%nJava %s (%s)%n", info.version(),
          info.commit(), javaVersion, System.getProperty("java.vm.name"));
    }
    return ExitCodes.OK;
  }
}
