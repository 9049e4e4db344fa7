<!-- include start from https/listen-address.xml.i -->
<leafNode name="listen-address">
  <properties>
    <help>Local address the server listens on (default: 127.0.0.1 and ::1 only)</help>
    <completionHelp>
      <script>${vyos_completion_dir}/list_local_ips --both</script>
    </completionHelp>
    <valueHelp>
      <format>ipv4</format>
      <description>IPv4 address to listen on</description>
    </valueHelp>
    <valueHelp>
      <format>ipv6</format>
      <description>IPv6 address to listen on</description>
    </valueHelp>
    <constraint>
      <validator name="ip-address"/>
    </constraint>
    <constraintErrorMessage>Listen address must be an IPv4 or IPv6 address</constraintErrorMessage>
    <multi/>
  </properties>
</leafNode>
<!-- include end -->
