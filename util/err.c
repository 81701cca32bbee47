/* The error table of err.h: names, messages and fatality of S7_ERR_* codes. */
#include "s7/err.h"

const char *s7_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define S7__ERR_MSG(name, val, fatal, msg) \
    case val:                              \
        return msg;
        S7_ERR_MAP(S7__ERR_MSG)
#undef S7__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *s7_err_name(int err)
{
    switch (err) {
    case 0:
        return "S7_OK";
#define S7__ERR_NAME(name, val, fatal, msg) \
    case val:                               \
        return "S7_ERR_" #name;
        S7_ERR_MAP(S7__ERR_NAME)
#undef S7__ERR_NAME
    default:
        return "S7_ERR_UNKNOWN";
    }
}

int s7_err_is_fatal(int err)
{
    switch (err) {
#define S7__ERR_FATAL(name, val, fatal, msg) \
    case val:                                \
        return fatal;
        S7_ERR_MAP(S7__ERR_FATAL)
#undef S7__ERR_FATAL
    default:
        return 0;
    }
}
