<!-- include start from flow-accounting-history-options.xml.i: window, filters and order of history queries -->
<tagNode name="by">
  <properties>
    <help>Rank or draw by bytes (default), packets or flows</help>
    <completionHelp>
      <list>bytes packets flows</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="last">
  <properties>
    <help>Time window up to now (default 1h)</help>
    <completionHelp>
      <list>15m 1h 24h 7d</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="since">
  <properties>
    <help>Start of the time window (local time)</help>
    <completionHelp>
      <list>&lt;YYYY-MM-DDThh:mm&gt; &lt;YYYY-MM-DD&gt; &lt;hh:mm&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="until">
  <properties>
    <help>End of the time window (local time; default now)</help>
    <completionHelp>
      <list>&lt;YYYY-MM-DDThh:mm&gt; &lt;YYYY-MM-DD&gt; &lt;hh:mm&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="interface">
  <properties>
    <help>Only traffic that entered or left through this interface</help>
    <completionHelp>
      <script>${vyos_completion_dir}/list_interfaces</script>
    </completionHelp>
  </properties>
</tagNode>
<tagNode name="host">
  <properties>
    <help>Only traffic from or to this address or prefix</help>
    <completionHelp>
      <list>&lt;x.x.x.x&gt; &lt;x.x.x.x/N&gt; &lt;h:h:h:h:h:h:h:h&gt;</list>
    </completionHelp>
  </properties>
</tagNode>
<!-- include end -->
