package dev.sbx.cli.settings;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned columns separated by two spaces; the last column is not padded. */
public final class Table {
  private Table() {}

  public static void print(PrintWriter out, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        b.append(i == cols - 1 ? r[i] : String.format("%-" + (w[i] + 2) + "s", r[i]));
      }
      out.println(b.toString().stripTrailing());
    }
  }
}
