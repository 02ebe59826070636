package io.jsocklnd.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the command needs: {@link #parse} reads one JSON text into maps (insertion-ordered), lists,
 * strings, {@link Long} (integers), {@link Double} (other numbers), booleans and null; {@link #quote} writes a
 * string literal.
 */
public final class Json
{
    private static final int MAX_DEPTH = 64;

    private final String text;
    private int at;

    private Json(final String text)
    {
        this.text = text;
    }

    /**
     * @param text one JSON text (surrounding whitespace allowed).
     * @return its value.
     * @throws IllegalArgumentException when it is not valid JSON, naming the offset.
     */
    public static Object parse(final String text)
    {
        final Json parser = new Json(text);
        parser.whitespace();
        final Object value = parser.value(0);
        parser.whitespace();
        if (parser.at != text.length())
        {
            throw parser.error("trailing characters");
        }
        return value;
    }

    /**
     * @param text one JSON object.
     * @return its members.
     * @throws IllegalArgumentException when it is not a JSON object.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(final String text)
    {
        final Object value = parse(text);
        if (!(value instanceof Map))
        {
            throw new IllegalArgumentException("not a json object: " + abbreviate(text));
        }
        return (Map<String, Object>)value;
    }

    /**
     * @param sb   output.
     * @param text text to write as a JSON string literal.
     * @return {@code sb}.
     */
    public static StringBuilder quote(final StringBuilder sb, final String text)
    {
        sb.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\')
            {
                sb.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                sb.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        return sb.append('"');
    }

    private Object value(final int depth)
    {
        if (depth > MAX_DEPTH)
        {
            throw error("nesting too deep");
        }
        if (at >= text.length())
        {
            throw error("value expected");
        }
        final char c = text.charAt(at);
        switch (c)
        {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return number();
                }
                throw error("unexpected character '" + c + "'");
        }
    }

    private Map<String, Object> object(final int depth)
    {
        final Map<String, Object> members = new LinkedHashMap<>();
        at++;
        whitespace();
        if (peek() == '}')
        {
            at++;
            return members;
        }
        while (true)
        {
            whitespace();
            if (peek() != '"')
            {
                throw error("member name expected");
            }
            final String name = string();
            whitespace();
            expect(':');
            whitespace();
            if (members.containsKey(name))
            {
                throw error("duplicate member: " + name);
            }
            members.put(name, value(depth + 1));
            whitespace();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect('}');
            return members;
        }
    }

    private List<Object> array(final int depth)
    {
        final List<Object> elements = new ArrayList<>();
        at++;
        whitespace();
        if (peek() == ']')
        {
            at++;
            return elements;
        }
        while (true)
        {
            whitespace();
            elements.add(value(depth + 1));
            whitespace();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect(']');
            return elements;
        }
    }

    private String string()
    {
        expect('"');
        final StringBuilder sb = new StringBuilder();
        while (true)
        {
            if (at >= text.length())
            {
                throw error("unterminated string");
            }
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return sb.toString();
            }
            if (c < 0x20)
            {
                throw error("control character in string");
            }
            if (c != '\\')
            {
                sb.append(c);
                continue;
            }
            if (at >= text.length())
            {
                throw error("unterminated escape");
            }
            final char e = text.charAt(at++);
            switch (e)
            {
                case '"':
                case '\\':
                case '/':
                    sb.append(e);
                    break;
                case 'b':
                    sb.append('\b');
                    break;
                case 'f':
                    sb.append('\f');
                    break;
                case 'n':
                    sb.append('\n');
                    break;
                case 'r':
                    sb.append('\r');
                    break;
                case 't':
                    sb.append('\t');
                    break;
                case 'u':
                    if (at + 4 > text.length())
                    {
                        throw error("short unicode escape");
                    }
                    try
                    {
                        sb.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    }
                    catch (final NumberFormatException ex)
                    {
                        throw error("bad unicode escape");
                    }
                    at += 4;
                    break;
                default:
                    throw error("bad escape '\\" + e + "'");
            }
        }
    }

    private Object number()
    {
        final int start = at;
        if (peek() == '-')
        {
            at++;
        }
        final int digits = at;
        while (at < text.length() && Character.isDigit(text.charAt(at)))
        {
            at++;
        }
        if (at == digits || (text.charAt(digits) == '0' && at - digits > 1))
        {
            throw error("bad number");
        }
        boolean integer = true;
        if (peek() == '.')
        {
            integer = false;
            at++;
            final int fraction = at;
            while (at < text.length() && Character.isDigit(text.charAt(at)))
            {
                at++;
            }
            if (at == fraction)
            {
                throw error("bad number");
            }
        }
        if (peek() == 'e' || peek() == 'E')
        {
            integer = false;
            at++;
            if (peek() == '+' || peek() == '-')
            {
                at++;
            }
            final int exponent = at;
            while (at < text.length() && Character.isDigit(text.charAt(at)))
            {
                at++;
            }
            if (at == exponent)
            {
                throw error("bad number");
            }
        }
        final String literal = text.substring(start, at);
        if (integer)
        {
            try
            {
                return Long.parseLong(literal);
            }
            catch (final NumberFormatException ex)
            {
                throw error("integer out of range: " + literal);
            }
        }
        return Double.parseDouble(literal);
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error("bad literal");
        }
        at += word.length();
        return value;
    }

    private void whitespace()
    {
        while (at < text.length())
        {
            final char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            {
                return;
            }
            at++;
        }
    }

    private char peek()
    {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("'" + c + "' expected");
        }
        at++;
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException("invalid json: " + what + " at offset=" + at + " in " + abbreviate(text));
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }
}
