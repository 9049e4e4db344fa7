<!-- include start from constraint/interface-name.xml.i -->
<validator name="interface-name"/>
<!-- include end -->
