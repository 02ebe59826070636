package io.jsocklnd.demo;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The bench's ratios as a bar chart (PNG, drawn with the JDK alone): one bar per case from the line at 1.0, where
 * jsocklnd equals the raw baseline, to jsocklnd/baseline on a log scale.
 */
final class BenchPlot
{
    private static final int BAR_HEIGHT = 22;
    private static final int LABEL_WIDTH = 260;
    private static final int PLOT_WIDTH = 520;
    private static final int MARGIN = 20;

    private BenchPlot()
    {
    }

    /**
     * @param file    where to write the PNG.
     * @param medians per case: median jsocklnd, median baseline, median ratio.
     * @throws IOException if the file cannot be written.
     */
    static void write(final Path file, final Map<String, double[]> medians) throws IOException
    {
        double low = 0.5;
        double high = 2;
        for (final double[] m : medians.values())
        {
            if (m[2] > 0)
            {
                low = Math.min(low, m[2]);
                high = Math.max(high, m[2]);
            }
        }
        final double lowLog = Math.log10(low / 1.2);
        final double span = Math.log10(high * 1.2) - lowLog;
        final int height = MARGIN * 3 + BAR_HEIGHT * medians.size();
        final int width = LABEL_WIDTH + PLOT_WIDTH + MARGIN * 3;
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.BLACK);
            g.drawString("jsocklnd / raw baseline, median of rounds, log scale; latency: lower is better, rates: higher",
                MARGIN, MARGIN);
            final int one = LABEL_WIDTH + x(1, lowLog, span);
            int y = MARGIN * 2;
            for (final Map.Entry<String, double[]> e : medians.entrySet())
            {
                final double ratio = e.getValue()[2];
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), MARGIN, y + BAR_HEIGHT - 7);
                g.setColor(new Color(70, 110, 170));
                final int end = LABEL_WIDTH + x(Math.max(ratio, low / 1.2), lowLog, span);
                g.fillRect(Math.min(one, end), y + 3, Math.max(1, Math.abs(end - one)), BAR_HEIGHT - 6);
                g.setColor(Color.BLACK);
                g.drawString(String.format("%.2f", ratio), Math.max(one, end) + 4, y + BAR_HEIGHT - 7);
                y += BAR_HEIGHT;
            }
            g.setColor(Color.RED);
            g.setStroke(new BasicStroke(1f));
            g.drawLine(one, MARGIN * 2, one, y);
        }
        finally
        {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static int x(final double ratio, final double lowLog, final double span)
    {
        return (int)Math.round((Math.log10(ratio) - lowLog) / span * PLOT_WIDTH);
    }
}
