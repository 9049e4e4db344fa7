<!-- include start from nested.xml.i: an include that includes -->
#include <include/port.xml.i>
<!-- include end -->
