package io.jsocklnd.decode;

import java.util.List;
import java.util.Map;

/**
 * Renders a {@link DecodedRecord} as one line of JSON: {@code stream}, {@code dir}, {@code first_frame},
 * {@code last_frame}, {@code stream_offset}, {@code stream_length}, {@code kind}, then the record's fields in order.
 * 32-bit numbers are JSON numbers; 64-bit values are JSON strings (decimal, or {@code 0x}-prefixed hex).
 */
public final class RecordJson
{
    private RecordJson()
    {
    }

    /**
     * @param record a record.
     * @return one line of JSON, without a trailing newline.
     */
    public static String render(final DecodedRecord record)
    {
        final StringBuilder sb = new StringBuilder(256);
        sb.append("{\"stream\":").append(record.stream());
        sb.append(",\"dir\":\"").append(record.direction().text()).append('"');
        sb.append(",\"first_frame\":").append(record.firstFrame());
        sb.append(",\"last_frame\":").append(record.lastFrame());
        sb.append(",\"stream_offset\":").append(record.streamOffset());
        sb.append(",\"stream_length\":").append(record.streamLength());
        sb.append(",\"kind\":\"").append(record.kind().text()).append('"');
        for (final Map.Entry<String, Object> field : record.fields().entrySet())
        {
            sb.append(',');
            string(sb, field.getKey());
            sb.append(':');
            value(sb, field.getValue());
        }
        return sb.append('}').toString();
    }

    private static void value(final StringBuilder sb, final Object value)
    {
        if (value instanceof Integer || value instanceof Long)
        {
            sb.append(value);
        }
        else if (value instanceof Boolean)
        {
            sb.append(value);
        }
        else if (value instanceof List)
        {
            sb.append('[');
            boolean first = true;
            for (final Object element : (List<?>)value)
            {
                if (!first)
                {
                    sb.append(',');
                }
                first = false;
                value(sb, element);
            }
            sb.append(']');
        }
        else if (value == null)
        {
            sb.append("null");
        }
        else
        {
            string(sb, value.toString());
        }
    }

    /**
     * Appends a JSON string literal.
     *
     * @param sb   output.
     * @param text text to quote and escape.
     */
    static void string(final StringBuilder sb, final String text)
    {
        sb.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
