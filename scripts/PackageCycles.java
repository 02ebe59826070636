import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fails when two packages of the project depend on each other, directly or through others. Reads the
 * package dependencies of compiled classes with jdeps. Run: java scripts/PackageCycles.java CLASSES PREFIX
 */
public final class PackageCycles
{
    public static void main(final String[] args)
    {
        final String classes = args[0];
        final String prefix = args[1];
        final ToolProvider jdeps = ToolProvider.findFirst("jdeps")
            .orElseThrow(() -> new IllegalStateException("jdeps is not in this JDK"));
        final StringWriter out = new StringWriter();
        final int status = jdeps.run(new PrintWriter(out), new PrintWriter(System.err), "-verbose:package", classes);
        if (status != 0)
        {
            throw new IllegalStateException("jdeps failed with " + status);
        }

        final Pattern edge = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)");
        final Map<String, Set<String>> uses = new TreeMap<>();
        for (final String line : out.toString().split("\n"))
        {
            final Matcher m = edge.matcher(line);
            if (m.find() && m.group(1).startsWith(prefix) && m.group(2).startsWith(prefix))
            {
                uses.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                uses.computeIfAbsent(m.group(2), k -> new TreeSet<>());
                if (!m.group(1).equals(m.group(2)))
                {
                    uses.get(m.group(1)).add(m.group(2));
                }
            }
        }
        if (uses.isEmpty())
        {
            throw new IllegalStateException("no package of " + prefix + " found in " + classes);
        }

        final Map<String, Set<String>> reaches = new TreeMap<>();
        uses.forEach((p, direct) -> reaches.put(p, new TreeSet<>(direct)));
        for (final String via : uses.keySet())
        {
            for (final Set<String> r : reaches.values())
            {
                if (r.contains(via))
                {
                    r.addAll(reaches.get(via));
                }
            }
        }

        final List<String> cycles = new ArrayList<>();
        for (final String a : uses.keySet())
        {
            for (final String b : uses.get(a))
            {
                if (reaches.get(b).contains(a))
                {
                    cycles.add(a + " -> " + b + " -> ... -> " + a);
                }
            }
        }
        if (!cycles.isEmpty())
        {
            cycles.forEach(c -> System.err.println("package cycle: " + c));
            System.exit(1);
        }
        System.out.println("package dependencies: " + uses.size() + " packages, no cycle");
        uses.forEach((p, direct) -> System.out.println("  " + p + " -> " + direct));
    }
}
