<!-- include start from interface/vrf.xml.i -->
<leafNode name="vrf">
  <properties>
    <help>VRF instance name</help>
    <completionHelp>
      <script>${vyos_completion_dir}/list_vrfs</script>
    </completionHelp>
    <valueHelp>
      <format>txt</format>
      <description>VRF instance name</description>
    </valueHelp>
    <constraint>
      <validator name="vrf-name"/>
    </constraint>
    <constraintErrorMessage>VRF instance name must be 15 characters or less, start with a letter and must not look like an interface name</constraintErrorMessage>
  </properties>
</leafNode>
<!-- include end -->
