<!-- include start from port-number.xml.i -->
<properties>
  <help>Port number used by connection</help>
  <valueHelp>
    <format>u32:1-65535</format>
    <description>Numeric IP port (no leading zeros)</description>
  </valueHelp>
  <constraint>
    <validator name="port"/>
  </constraint>
  <constraintErrorMessage>Port number must be 1 to 65535, written without leading zeros</constraintErrorMessage>
</properties>
<!-- include end -->
