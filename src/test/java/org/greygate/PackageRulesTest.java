package org.greygate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of ../shared/DESIGN.md, held by the build: only {@code server} imports Netty, only
 * {@code store.lmdb} imports LmdbJava, only {@code cli} imports Picocli, and the decision packages
 * never reach into the transport or the backend.
 */
class PackageRulesTest {
  record Rule(String importPrefix, String allowedPackageDir) {}

  static final List<Rule> RULES =
      List.of(
          new Rule("io.netty", "org/greygate/server/"),
          new Rule("org.lmdbjava", "org/greygate/store/lmdb/"),
          new Rule("picocli", "org/greygate/cli/"),
          new Rule("org.greygate.server", "org/greygate/cli/"),
          new Rule("org.greygate.store.lmdb", "org/greygate/cli/"));

  @Test
  void importsRespectTheLayers() throws IOException {
    List<String> violations = new ArrayList<>();
    Path root = Path.of("src/main/java");
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String rel = root.relativize(f).toString().replace('\\', '/');
        for (String line : Files.readAllLines(f)) {
          if (!line.startsWith("import ")) continue;
          String imported = line.substring(7).replace("static ", "").strip();
          for (Rule r : RULES) {
            if (imported.startsWith(r.importPrefix() + ".")
                && !rel.startsWith(r.allowedPackageDir())
                && !rel.startsWith(r.importPrefix().replace('.', '/') + "/")) {
              violations.add(rel + " imports " + imported);
            }
          }
        }
      }
    }
    assertEquals(List.of(), violations);
  }
}
