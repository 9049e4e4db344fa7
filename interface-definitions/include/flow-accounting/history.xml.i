<!-- include start from flow-accounting/history.xml.i: on-box flow history (issue 16) -->
<node name="history">
  <properties>
    <help>Keep the exported flows on this router (top talkers and graphs over time)</help>
  </properties>
  <children>
    <leafNode name="retention">
      <properties>
        <help>How long flow history is kept</help>
        <valueHelp>
          <format>&lt;N&gt;h</format>
          <description>Hours, e.g. 36h</description>
        </valueHelp>
        <valueHelp>
          <format>&lt;N&gt;d</format>
          <description>Days, e.g. 7d</description>
        </valueHelp>
        <valueHelp>
          <format>&lt;N&gt;w</format>
          <description>Weeks, e.g. 2w</description>
        </valueHelp>
        <constraint>
          <regex>[1-9][0-9]{0,3}[hdw]</regex>
        </constraint>
        <constraintErrorMessage>Retention must be a number of hours, days or weeks, e.g. 36h, 7d or 2w (at most 366 days)</constraintErrorMessage>
      </properties>
      <defaultValue>7d</defaultValue>
    </leafNode>
    <leafNode name="max-size">
      <properties>
        <help>Disk space flow history may use (MiB); the oldest files go first</help>
        <valueHelp>
          <format>u32:16-1048576</format>
          <description>Size limit in MiB</description>
        </valueHelp>
        <constraint>
          <validator name="numeric" argument="--range 16-1048576"/>
        </constraint>
        <constraintErrorMessage>Maximum size must be 16 to 1048576 MiB</constraintErrorMessage>
      </properties>
      <defaultValue>256</defaultValue>
    </leafNode>
    <leafNode name="port">
      <properties>
        <help>UDP port of the local collector (on 127.0.0.1)</help>
        <valueHelp>
          <format>u32:1-65535</format>
          <description>Numeric IP port (no leading zeros)</description>
        </valueHelp>
        <constraint>
          <validator name="port"/>
        </constraint>
        <constraintErrorMessage>Port number must be 1 to 65535, written without leading zeros</constraintErrorMessage>
      </properties>
      <defaultValue>2058</defaultValue>
    </leafNode>
    <leafNode name="rotation-interval">
      <properties>
        <help>Seconds each history file covers: the finest time step of queries and graphs</help>
        <valueHelp>
          <format>u32:10-3600</format>
          <description>Seconds between file rotations</description>
        </valueHelp>
        <constraint>
          <validator name="numeric" argument="--range 10-3600"/>
        </constraint>
        <constraintErrorMessage>Rotation interval must be 10 to 3600 seconds</constraintErrorMessage>
      </properties>
      <defaultValue>60</defaultValue>
    </leafNode>
  </children>
</node>
<!-- include end -->
