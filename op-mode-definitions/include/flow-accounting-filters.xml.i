<!-- include start from flow-accounting-filters.xml.i: options of "show flow-accounting flows" -->
<tagNode name="host">
  <properties>
    <help>Only flows from or to this address or prefix</help>
    <completionHelp>
      <list>&lt;x.x.x.x&gt; &lt;x.x.x.x/x&gt; &lt;h:h:h:h:h:h:h:h&gt; &lt;h:h:h:h:h:h:h:h/x&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="source">
  <properties>
    <help>Only flows from this address or prefix</help>
    <completionHelp>
      <list>&lt;x.x.x.x&gt; &lt;x.x.x.x/x&gt; &lt;h:h:h:h:h:h:h:h&gt; &lt;h:h:h:h:h:h:h:h/x&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="destination">
  <properties>
    <help>Only flows to this address or prefix</help>
    <completionHelp>
      <list>&lt;x.x.x.x&gt; &lt;x.x.x.x/x&gt; &lt;h:h:h:h:h:h:h:h&gt; &lt;h:h:h:h:h:h:h:h/x&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="port">
  <properties>
    <help>Only flows from or to this port, or a port range A-B</help>
    <completionHelp>
      <list>&lt;1-65535&gt; &lt;start-end&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="protocol">
  <properties>
    <help>Only flows of this IP protocol (name or number)</help>
    <completionHelp>
      <list>tcp udp icmp ipv6-icmp gre esp sctp</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="top">
  <properties>
    <help>Show only the N biggest flows (default 100)</help>
    <completionHelp>
      <list>&lt;N&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="sort-by">
  <properties>
    <help>Order by bytes (default) or packets</help>
    <completionHelp>
      <list>bytes packets</list>
    </completionHelp>
  </properties>
</tagNode>
<!-- include end -->
