<!-- include start from port.xml.i -->
<leafNode name="port">
  <properties>
    <help>Port to listen on</help>
    <valueHelp>
      <format>u32:1-65535</format>
      <description>Port number</description>
    </valueHelp>
    <constraint>
      <validator name="port"/>
    </constraint>
  </properties>
  <defaultValue>80</defaultValue>
</leafNode>
<!-- include end -->
