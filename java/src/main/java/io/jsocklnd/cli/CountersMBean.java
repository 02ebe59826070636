package io.jsocklnd.cli;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ReflectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A node's counters as a read-only JMX MBean: one {@code long} attribute per counter, named by its label
 * ({@code "peer 10.0.0.1@tcp msgs_in"}), and {@value #CONNECTIONS} listing the live connections. The attribute set
 * follows the counters, which come and go with peers and connections.
 */
final class CountersMBean implements DynamicMBean
{
    /** Attribute holding the live connections. */
    static final String CONNECTIONS = "Connections";

    private final String nid;
    private final StatsEndpoint.Source source;

    CountersMBean(final String nid, final StatsEndpoint.Source source)
    {
        this.nid = nid;
        this.source = source;
    }

    @Override
    public Object getAttribute(final String attribute) throws AttributeNotFoundException
    {
        if (CONNECTIONS.equals(attribute))
        {
            return source.connections().toArray(new String[0]);
        }
        final Long value = source.counters().get(attribute);
        if (value == null)
        {
            throw new AttributeNotFoundException("no counter: label=" + attribute);
        }
        return value;
    }

    @Override
    public void setAttribute(final Attribute attribute) throws AttributeNotFoundException
    {
        throw new AttributeNotFoundException("read-only: attribute=" + attribute.getName());
    }

    @Override
    public AttributeList getAttributes(final String[] attributes)
    {
        final AttributeList list = new AttributeList();
        final Map<String, Long> counters = source.counters();
        for (final String name : attributes)
        {
            if (CONNECTIONS.equals(name))
            {
                list.add(new Attribute(name, source.connections().toArray(new String[0])));
            }
            else if (counters.containsKey(name))
            {
                list.add(new Attribute(name, counters.get(name)));
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(final AttributeList attributes)
    {
        return new AttributeList();
    }

    @Override
    public Object invoke(final String actionName, final Object[] params, final String[] signature)
        throws ReflectionException
    {
        throw new ReflectionException(new NoSuchMethodException(actionName), "no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo()
    {
        final List<MBeanAttributeInfo> attributes = new ArrayList<>();
        attributes.add(new MBeanAttributeInfo(CONNECTIONS, String[].class.getName(), "live connections",
            true, false, false));
        for (final String label : source.counters().keySet())
        {
            attributes.add(new MBeanAttributeInfo(label, "long", "counter", true, false, false));
        }
        return new MBeanInfo(CountersMBean.class.getName(), "jsocklnd node " + nid + " counters",
            attributes.toArray(new MBeanAttributeInfo[0]), null, new MBeanOperationInfo[0], null);
    }
}
