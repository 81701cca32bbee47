/* The library's version, from the generated s7/version.h. */
#include "s7/version.h"

const char *s7_version(void) { return S7_VERSION_STRING; }

unsigned s7_version_num(void) { return (unsigned)S7_VERSION_NUM; }
