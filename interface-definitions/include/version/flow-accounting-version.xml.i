<!-- include start from version/flow-accounting-version.xml.i -->
<!-- 0: VyOS 1.2/1.3, 1: 1.4 pmacct era, 2: sFlow moved out, 3: ipt-netflow (VyOS 1.5),
     4: values narrowed to what ipt_NETFLOW really takes (this project) -->
<syntaxVersion component='flow-accounting' version='4'></syntaxVersion>
<!-- include end -->
