/* The error table of err.h: names, messages and fatality of S7_ERR_* codes. */
#include <stddef.h>

#include "s7/err.h"

const char *s7_strerror(int err)
{
    switch (err) {
    case 0: return "success";
#define S7__ERR_MSG(name, val, fatal, msg) \
    case val: return msg;
        S7_ERR_MAP(S7__ERR_MSG)
#undef S7__ERR_MSG
    default: return "unknown error";
    }
}

const char *s7_err_name(int err)
{
    switch (err) {
    case 0: return "S7_OK";
#define S7__ERR_NAME(name, val, fatal, msg) \
    case val: return "S7_ERR_" #name;
        S7_ERR_MAP(S7__ERR_NAME)
#undef S7__ERR_NAME
    default: return "S7_ERR_UNKNOWN";
    }
}

/* Lowercase identifiers, in the order of S7_ERR_MAP (S7_ERR_AGAIN = -1 first). */
static const char *const err_ids[] = {
    "again",           "nospace",     "inval",       "nomem",   "tpkt",    "cotp",
    "s7hdr",           "param",       "pduref",      "resolve", "unreach", "refused",
    "connect_timeout", "cr_rejected", "negotiation", "timeout", "closed",  "io",
    "notconn",         "plc",         "item",        "toobig",  "busy",    "addr",
    "value",           "type",        "unsupported", "state",   "proto",   "source",
};

#define S7__ERR_ONE(name, val, fatal, msg) +1
_Static_assert(sizeof err_ids / sizeof err_ids[0] == 0 S7_ERR_MAP(S7__ERR_ONE),
               "err_ids must list every S7_ERR_MAP entry");
#undef S7__ERR_ONE

const char *s7_err_id(int err)
{
    if (err == 0)
        return "ok";
    if (err < 0 && (size_t)-err <= sizeof err_ids / sizeof err_ids[0])
        return err_ids[-err - 1];
    return "unknown";
}

int s7_err_is_fatal(int err)
{
    switch (err) {
#define S7__ERR_FATAL(name, val, fatal, msg) \
    case val: return fatal;
        S7_ERR_MAP(S7__ERR_FATAL)
#undef S7__ERR_FATAL
    default: return 0;
    }
}
