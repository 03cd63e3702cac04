package io.github.redismutex.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Rows printed in aligned columns, two spaces apart, the last column unpadded. Widths count code points. */
final class Table {
  private final List<List<String>> rows = new ArrayList<>(); // the header first; every row as wide as it

  Table(List<String> header) {
    rows.add(header);
  }

  void add(List<String> row) {
    if (row.size() != rows.get(0).size()) {
      throw new IllegalArgumentException("a row needs " + rows.get(0).size() + " cells, had " + row.size());
    }
    rows.add(row);
  }

  void print(PrintStream out) {
    int columns = rows.get(0).size();
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], width(row.get(c)));
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        line.append(row.get(c));
        if (c < columns - 1) {
          line.append(" ".repeat(widths[c] - width(row.get(c)) + 2));
        }
      }
      out.println(line);
    }
  }

  private static int width(String cell) {
    return cell.codePointCount(0, cell.length());
  }
}
