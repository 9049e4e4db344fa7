<!-- include start from https/allow-client.xml.i -->
<node name="allow-client">
  <properties>
    <help>Restrict the clients that may connect</help>
  </properties>
  <children>
    <leafNode name="address">
      <properties>
        <help>Address or prefix a client may connect from (all others are refused)</help>
        <valueHelp>
          <format>ipv4</format>
          <description>IPv4 address</description>
        </valueHelp>
        <valueHelp>
          <format>ipv6</format>
          <description>IPv6 address</description>
        </valueHelp>
        <valueHelp>
          <format>ipv4net</format>
          <description>IPv4 prefix</description>
        </valueHelp>
        <valueHelp>
          <format>ipv6net</format>
          <description>IPv6 prefix</description>
        </valueHelp>
        <constraint>
          <validator name="ip-address"/>
          <validator name="ip-prefix"/>
        </constraint>
        <constraintErrorMessage>Client address must be an IPv4 or IPv6 address or prefix</constraintErrorMessage>
        <multi/>
      </properties>
    </leafNode>
  </children>
</node>
<!-- include end -->
