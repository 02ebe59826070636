package io.jsocklnd.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: a header row and rows of cells, columns padded to their widest cell, two spaces apart.
 */
final class Table
{
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(final String... header)
    {
        columns = header.length;
        rows.add(header);
    }

    Table row(final Object... cells)
    {
        if (cells.length != columns)
        {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns);
        }
        final String[] text = new String[columns];
        for (int i = 0; i < columns; i++)
        {
            text[i] = String.valueOf(cells[i]);
        }
        rows.add(text);
        return this;
    }

    int size()
    {
        return rows.size() - 1;
    }

    String render()
    {
        final int[] widths = new int[columns];
        for (final String[] row : rows)
        {
            for (int i = 0; i < columns; i++)
            {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (final String[] row : rows)
        {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++)
            {
                line.append(row[i]);
                if (i < columns - 1)
                {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
