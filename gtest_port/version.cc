#include "gtest_port/version.h"

namespace gtest_port {

const char* Version() { return GTEST_PORT_VERSION_STRING; }

}  // namespace gtest_port
