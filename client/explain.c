/* The explanation table of explain.h: every S7 header / Userdata error code and every item
 * return code with its Wireshark-style text, a stable symbolic name and, for the faults seen
 * in the field (docs field-notes), the likely cause and the fix in plain words.
 *
 * Header and Userdata codes share one 16-bit code space (class << 8 | code).  Codes that mean
 * the same in both places are listed once (S7__EX_COMMON) and instantiated for both kinds;
 * codes whose field meaning depends on where they appear (0x8104 on a Read/Write Var job is
 * "PUT/GET not permitted", in a Userdata reply it is "function not implemented") are listed
 * per kind.  A code in no table gets a generic entry for its class or range.
 *
 * Everything here is static and read-only: no state, safe from any thread. */
#include <stddef.h>
#include <stdio.h>

#include "s7/explain.h"

/* X(code, NAME, text, cause, fix) */

/* ---------------------------------------------------------------- shared header/userdata */
#define S7__EX_COMMON(X)                                                                           \
    X(0x0000, "NO_ERROR", "no error", "", "")                                                      \
    X(0x0110, "INVALID_BLOCK_NUMBER", "invalid block number", "", "")                              \
    X(0x0111, "INVALID_REQUEST_LENGTH", "invalid request length",                                  \
      "the request is malformed (a client bug)", "report the request (s7 --trace) as a bug")       \
    X(0x0112, "INVALID_PARAMETER", "invalid parameter", "", "")                                    \
    X(0x0113, "INVALID_BLOCK_TYPE", "invalid block type", "", "")                                  \
    X(0x0114, "OBJECT_BLOCK_NOT_FOUND", "block not found",                                         \
      "the block named in the request does not exist on the CPU",                                  \
      "check the block number against the CPU's program")                                          \
    X(0x0115, "BLOCK_EXISTS", "block already exists", "", "")                                      \
    X(0x0116, "BLOCK_WRITE_PROTECTED", "block is write-protected",                                 \
      "the block is protected against changes", "remove the protection in the project")            \
    X(0x0119, "PASSWORD_INCORRECT", "incorrect password entered", "", "enter the CPU's password")  \
    X(0x011C, "PROTOCOL_ERROR", "protocol error", "", "")                                          \
    X(0x0140, "INSUFFICIENT_MEMORY", "insufficient memory", "", "")                                \
    X(0x0141, "LACK_OF_RESOURCES", "job cannot be processed: lack of resources",                   \
      "the CPU is busy with other communication jobs", "retry later; reduce parallel jobs")        \
    X(0x8001, "BLOCK_STATUS_CONFLICT",                                                             \
      "service cannot be performed while the block is in its current status", "", "")              \
    X(0x8003, "BLOCK_TRANSFER_ERROR", "S7 protocol error: error while transferring block", "", "") \
    X(0x8100, "SERVICE_UNKNOWN", "application, general error: service unknown to remote module",   \
      "the partner does not know this S7 service", "the function is not available on this device") \
    X(0x8204, "OBJECT_TYPE_INCONSISTENT", "type specification for the object is inconsistent", "", \
      "")                                                                                          \
    X(0x8205, "BLOCK_COPY_EXISTS", "copied block already exists and is not linked", "", "")        \
    X(0x8301, "MEMORY_NOT_ACCESSIBLE", "insufficient memory or storage medium not accessible", "", \
      "")                                                                                          \
    X(0x8302, "NO_RESOURCES", "too few resources / processor resources not available",             \
      "the CPU is short of communication resources",                                               \
      "retry later; reduce the number of parallel jobs and connections")                           \
    X(0x8304, "RESOURCE_BOTTLENECK", "no further parallel upload possible (resource bottleneck)",  \
      "the CPU has no free resource for another parallel job of this kind",                        \
      "retry later; lower the jobs in flight or close other connections to the CPU")               \
    X(0x8305, "FUNCTION_NOT_AVAILABLE", "function not available",                                  \
      "the CPU does not offer this function", "use a function the CPU supports")                   \
    X(0x8306, "INSUFFICIENT_WORK_MEMORY", "insufficient work memory", "", "")                      \
    X(0x8307, "INSUFFICIENT_RETENTIVE_MEMORY", "insufficient retentive work memory", "", "")       \
    X(0x8401, "INVALID_SERVICE_SEQUENCE", "S7 protocol error: invalid service sequence", "", "")   \
    X(0x8402, "OBJECT_STATE_CONFLICT",                                                             \
      "service cannot execute owing to status of the addressed object", "", "")                    \
    X(0x8404, "FUNCTION_CANNOT_BE_PERFORMED", "S7 protocol: the function cannot be performed", "", \
      "")                                                                                          \
    X(0x8405, "BLOCK_DISABLED", "remote block is in DISABLE state", "", "")                        \
    X(0x8503, "SERVICE_CANCELLED", "alarm from module: service cancelled prematurely", "", "")     \
    X(0x8701, "OBJECT_ADDRESSING_ERROR",                                                           \
      "error addressing the object on the partner (e.g. area length error)",                       \
      "the address lies outside the area or the area does not exist on this CPU",                  \
      "check the address against the CPU's memory (DB length, I/Q/M sizes)")                       \
    X(0x8702, "SERVICE_NOT_SUPPORTED", "requested service not supported by the module",            \
      "this CPU or module does not support the requested S7 service",                              \
      "use a service the CPU supports (S7-1200/1500 offer only PUT/GET on classic S7)")            \
    X(0x8703, "OBJECT_ACCESS_REFUSED", "access to object refused",                                 \
      "the CPU's protection or the object's attributes forbid this access",                        \
      "check the CPU's protection level and the object's write protection")                        \
    X(0x8704, "OBJECT_DAMAGED", "access error: object damaged", "", "download the object again")   \
    X(0xD001, "TIS_ILLEGAL_JOB_NUMBER", "protocol error: illegal job number", "", "")              \
    X(0xD002, "TIS_ILLEGAL_JOB_VARIANT", "parameter error: illegal job variant", "", "")           \
    X(0xD003, "TIS_DEBUG_NOT_SUPPORTED",                                                           \
      "parameter error: debugging function not supported by module", "", "")                       \
    X(0xD004, "TIS_ILLEGAL_JOB_STATUS", "parameter error: illegal job status", "", "")             \
    X(0xD005, "TIS_ILLEGAL_JOB_TERMINATION", "parameter error: illegal job termination", "", "")   \
    X(0xD011, "TIS_BLOCK_MISSING", "parameter error in the call path: block does not exist", "",   \
      "")                                                                                          \
    X(0xD012, "TIS_WRONG_ADDRESS", "parameter error: wrong address in block", "", "")              \
    X(0xD015, "TIS_ILLEGAL_TAG_ADDRESS", "parameter error: illegal tag address", "", "")           \
    X(0xD031, "TIS_INTERNAL_PROTOCOL_ERROR", "internal protocol error", "", "")                    \
    X(0xD033, "TIS_WRONG_JOB_LENGTH", "protocol error: wrong job length", "", "")                  \
    X(0xD03F, "TIS_PARAM_CODING_ERROR", "coding error in the parameter section", "", "")           \
    X(0xD041, "TIS_ILLEGAL_SZL_ID", "data error: illegal status list ID", "", "")                  \
    X(0xD042, "TIS_DATA_ILLEGAL_TAG_ADDRESS", "data error: illegal tag address", "", "")           \
    X(0xD05F, "TIS_DATA_CODING_ERROR", "coding error in the data section", "", "")                 \
    X(0xD061, "TIS_NO_MEMORY_FOR_JOB", "resource error: no memory space for job", "", "")          \
    X(0xD062, "TIS_JOB_LIST_FULL", "resource error: job list full", "", "")                        \
    X(0xD081, "NOT_PERMITTED_IN_MODE", "function not permitted in current mode",                   \
      "the CPU's operating mode (RUN/STOP) does not allow this function",                          \
      "change the CPU's mode and retry")                                                           \
    X(0xD082, "CANNOT_EXIT_HOLD", "mode error: cannot exit HOLD mode", "", "")                     \
    X(0xD0A1, "TIS_PROTECTION_LEVEL", "function not permitted in current protection level",        \
      "the CPU's protection level forbids this function without a password",                       \
      "enter the CPU's password or lower the protection level in the CPU's protection "            \
      "settings and download")                                                                     \
    X(0xD0A2, "MEMORY_FUNCTION_RUNNING",                                                           \
      "function not possible at present: a function that modifies memory is running", "",          \
      "retry later")                                                                               \
    X(0xD0A4, "FORCING_ACTIVE", "forcing has already been established", "", "")                    \
    X(0xD0A5, "JOB_NOT_FOUND", "referenced job not found", "", "")                                 \
    X(0xD0AA, "PROCESS_TIMEOUT", "time limit exceeded in processing operation", "", "")            \
    X(0xD0AD, "MODE_ALREADY_SET", "operating mode already set", "", "")                            \
    X(0xD0C1, "TAG_ACCESS_ERROR", "at least one error while accessing the tag(s)", "", "")         \
    X(0xD0C2, "CHANGE_TO_STOP", "change to STOP/HOLD mode", "", "")                                \
    X(0xD0CC, "DEBUG_DATA_LIMITED",                                                                \
      "the amount of data for the debugging functions is restricted by the time limit", "", "")    \
    X(0xD201, "BLOCK_NAME_SYNTAX", "syntax error in block name", "", "")                           \
    X(0xD202, "FUNCTION_PARAM_SYNTAX", "syntax error in function parameters", "", "")              \
    X(0xD205, "LINKED_BLOCK_IN_RAM", "linked block already exists in RAM", "", "")                 \
    X(0xD206, "LINKED_BLOCK_IN_EPROM", "linked block already exists in EPROM", "", "")             \
    X(0xD209, "BLOCK_NOT_FOUND", "block not found",                                                \
      "the block does not exist on the CPU, or the CPU (S7-1200/1500) does not offer block "       \
      "functions over classic S7",                                                                 \
      "check the block number; block functions need an S7-300/400")                                \
    X(0xD20C, "BLOCK_NOT_AVAILABLE", "the block is not available for this function",               \
      "the block named does not exist in the CPU (a 315-2 answers this to an upload of OB0)",      \
      "list the CPU's blocks (s7 blocks HOST) and name one it lists")                              \
    X(0xD20E, "NO_FURTHER_BLOCK", "no (further) block available",                                  \
      "the block cannot be transferred: a system block (SFC/SFB) or a know-how protected one "     \
      "(upload), or lengths the CPU cannot hold (download)",                                       \
      "upload blocks of the user program; check the block file's lengths")                         \
    X(0xD20F, "BLOCK_TOO_LARGE", "module-specific maximum block size exceeded", "", "")            \
    X(0xD210, "BLOCK_NUMBER_INVALID", "invalid block number", "", "")                              \
    X(0xD217, "PROTECTION_LEVEL_NOT_PERMITTED",                                                    \
      "protection level specified in module properties not permitted", "", "")                     \
    X(0xD219, "INCORRECT_BLOCK_LENGTH", "incorrect block lengths", "", "")                         \
    X(0xD235, "BLOCK_CHECKSUM", "the block contains an incorrect checksum", "", "")                \
    X(0xD238, "NOT_A_DB", "at least one of the blocks specified is not a DB", "", "")              \
    X(0xD240, "COORDINATION_RULES", "coordination rules violated", "", "")                         \
    X(0xD241, "PROTECTION_LEVEL", "function not permitted in current protection level",            \
      "the CPU's protection level forbids this function without a password",                       \
      "enter the CPU's password, or lower the protection level in the CPU's protection "           \
      "settings and download the hardware configuration")                                          \
    X(0xD242, "F_BLOCK_PROTECTION", "protection violation while processing F blocks", "", "")      \
    X(0xD2A1, "BLOCK_FUNCTION_ACTIVE", "another block function or a trigger on a block is active", \
      "", "retry when the other function has finished")                                            \
    X(0xD2A4, "BLOCK_BUSY", "the block is already being processed by another block function", "",  \
      "retry later")                                                                               \
    X(0xD2C2, "DOWNLOAD_NOT_POSSIBLE",                                                             \
      "downloading the user program or the hardware configuration is not possible", "", "")        \
    X(0xD401, "INFO_FUNCTION_UNAVAILABLE", "information function unavailable",                     \
      "this CPU does not support the requested system status list (SZL)",                          \
      "nothing to fix: the CPU does not offer this information (s7 info shows what it does)")      \
    X(0xD402, "SZL_NOT_AVAILABLE", "information function unavailable",                             \
      "this CPU does not support the requested system status list (SZL) id or index",              \
      "nothing to fix: the CPU does not offer this information (s7 info shows what it does)")      \
    X(0xD403, "ALREADY_LOGGED_ON", "service has already been logged on/off", "", "")               \
    X(0xD404, "MAX_DIAG_NODES", "maximum number of nodes reached: no more diagnostics logons",     \
      "too many clients are logged on for diagnostics", "close other diagnostic sessions")         \
    X(0xD405, "DIAG_SYNTAX", "service not supported or syntax error in function parameters", "",   \
      "")                                                                                          \
    X(0xD406, "INFO_CURRENTLY_UNAVAILABLE", "required information currently unavailable", "",      \
      "retry later")                                                                               \
    X(0xD407, "DIAG_ERROR", "diagnostics error occurred", "", "")                                  \
    X(0xD408, "UPDATE_ABORTED", "update aborted", "", "")                                          \
    X(0xD409, "DP_BUS_ERROR", "error on DP bus", "", "")                                           \
    X(0xD601, "PASSWORD_SYNTAX", "syntax error in function parameter", "", "")                     \
    X(0xD602, "INCORRECT_PASSWORD", "incorrect password entered",                                  \
      "the password does not match the CPU's",                                                     \
      "enter the password set in the CPU's protection settings")                                   \
    X(0xD603, "ALREADY_LEGITIMIZED", "the connection has already been legitimized", "", "")        \
    X(0xD604, "ALREADY_ENABLED", "the connection has already been enabled", "", "")                \
    X(0xD605, "NO_PASSWORD", "legitimation not possible: no password exists",                      \
      "the CPU has no password set", "no password is needed")                                      \
    X(0xD801, "CYCLIC_INVALID_ADDRESS", "at least one tag address is invalid", "", "")             \
    X(0xD802, "CYCLIC_JOB_MISSING", "specified job does not exist", "", "")                        \
    X(0xD803, "CYCLIC_ILLEGAL_STATUS", "illegal job status", "", "")                               \
    X(0xD804, "CYCLIC_ILLEGAL_CYCLE", "illegal cycle time (time base or multiple)", "", "")        \
    X(0xD805, "CYCLIC_NO_MORE_JOBS", "no more cyclic read jobs can be set up", "",                 \
      "delete unused cyclic jobs")                                                                 \
    X(0xD806, "CYCLIC_JOB_STATE", "the referenced job is in a state that forbids the function",    \
      "", "")                                                                                      \
    X(0xD807, "CYCLIC_OVERLOAD",                                                                   \
      "function aborted due to overload: the read cycle takes longer than the scan cycle", "",     \
      "use a longer cycle time")                                                                   \
    X(0xDC01, "INVALID_DATE_TIME", "date and/or time invalid",                                     \
      "the date or time sent is not valid for the CPU", "send a date between 1990 and 2089")       \
    X(0xE201, "H_ALREADY_MASTER", "CPU is already the master", "", "")                             \
    X(0xE202, "H_DIFFERENT_PROGRAM",                                                               \
      "connect and update not possible: different user program in flash module", "", "")           \
    X(0xE203, "H_DIFFERENT_FIRMWARE", "connect and update not possible: different firmware", "",   \
      "")                                                                                          \
    X(0xE204, "H_DIFFERENT_MEMORY",                                                                \
      "connect and update not possible: different memory configuration", "", "")                   \
    X(0xE205, "H_SYNC_ERROR", "connect/update aborted: synchronization error", "", "")             \
    X(0xE206, "H_COORDINATION", "connect/update denied: coordination violation", "", "")           \
    X(0xEF01, "ID2_ERROR", "S7 protocol error at ID2: only 00H permitted in job", "", "")          \
    X(0xEF02, "ID2_RESOURCES", "S7 protocol error at ID2: set of resources does not exist", "", "")

/* ---------------------------------------------------------------- header only */
#define S7__EX_HEADER(X)                                                                       \
    X(0x8104, "PUT_GET_NOT_PERMITTED",                                                         \
      "this service is not implemented on the module or a frame error was reported",           \
      "PUT/GET communication is not permitted on the partner CPU (the S7-1200/1500 "           \
      "default), or the setting was changed but the hardware configuration was not "           \
      "downloaded; on older CPUs the service may be unsupported",                              \
      "enable \"Permit access with PUT/GET communication from remote partner\" in the "        \
      "CPU's Protection & Security settings AND download the hardware configuration to "       \
      "the CPU")                                                                               \
    X(0x8500, "PDU_SIZE_EXCEEDED", "S7 protocol error: wrong frames",                          \
      "the request or its reply is larger than the negotiated PDU size: a library bug (s7kit " \
      "splits every request to fit the PDU)",                                                  \
      "report it as an s7kit bug with the request (s7 --trace); as a workaround read fewer "   \
      "items at once or request a smaller --pdu")

/* ---------------------------------------------------------------- userdata only */
#define S7__EX_USERDATA(X)                                                                     \
    X(0x8104, "FUNCTION_NOT_IMPLEMENTED",                                                      \
      "this service is not implemented on the module or a frame error was reported",           \
      "this CPU does not implement the requested userdata function (block functions and "      \
      "some diagnostics are not available on S7-1200/1500 over classic S7)",                   \
      "nothing to fix on the CPU: use the functions this CPU family supports")                 \
    X(0x8500, "PDU_SIZE_EXCEEDED", "S7 protocol error: wrong frames",                          \
      "the request or its reply is larger than the negotiated PDU size: a library bug (s7kit " \
      "splits every request to fit the PDU)",                                                  \
      "report it as an s7kit bug with the request (s7 --trace)")

/* ---------------------------------------------------------------- item return codes */
#define S7__EX_ITEM(X)                                                                       \
    X(0xFF, "OK", "success", "", "")                                                         \
    X(0x00, "RESERVED", "reserved", "the partner answered with a reserved return code",      \
      "check the partner's firmware; this is not a code a CPU should send")                  \
    X(0x01, "HARDWARE_FAULT", "hardware error",                                              \
      "the addressed I/O module is missing or faulty (peripheral access)",                   \
      "check the module in the rack and the address in the hardware configuration")          \
    X(0x03, "ACCESS_DENIED", "accessing the object not allowed",                             \
      "the CPU's protection forbids this access, or the object is read-only",                \
      "check the CPU's protection level and access settings, and that the object may be "    \
      "written")                                                                             \
    X(0x05, "ADDRESS_OUT_OF_RANGE", "invalid address (address out of range)",                \
      "the address lies beyond the end of the DB or area (the DB is shorter than "           \
      "requested); at offset 0 of an existing DB: the DB has optimized block access",        \
      "read within the DB's length; for an optimized DB untick \"Optimized block access\" "  \
      "in the DB's properties and download the DB")                                          \
    X(0x06, "TYPE_NOT_SUPPORTED", "data type not supported",                                 \
      "the partner does not support the transport size of the request",                      \
      "read the value as bytes (e.g. DB1.DBB0:BYTE[4]) and convert on the client")           \
    X(0x07, "TYPE_INCONSISTENT", "data type inconsistent",                                   \
      "the data sent does not match the element count and size of the address",              \
      "write exactly as many bytes as the address covers")                                   \
    X(0x0A, "OBJECT_NOT_FOUND", "object does not exist",                                     \
      "the DB does not exist on the CPU, or the area is not available on this CPU",          \
      "check the DB number in the CPU's program (or download the DB); S7-1200/1500 have no " \
      "T/C areas over PUT/GET")

/* ---------------------------------------------------------------- tables */
#define S7__EX_ROW_HDR(c, n, t, ca, f) {S7_EX_HEADER, (c), n, t, ca, f, 0, 0, 0},
#define S7__EX_ROW_UD(c, n, t, ca, f) {S7_EX_USERDATA, (c), n, t, ca, f, 0, 0, 0},
#define S7__EX_ROW_ITEM(c, n, t, ca, f) {S7_EX_ITEM, (c), n, t, ca, f, 0, 0, 0},

static const s7_explain header_tab[] = {S7__EX_HEADER(S7__EX_ROW_HDR)
                                            S7__EX_COMMON(S7__EX_ROW_HDR)};
static const s7_explain ud_tab[] = {S7__EX_USERDATA(S7__EX_ROW_UD) S7__EX_COMMON(S7__EX_ROW_UD)};
static const s7_explain item_tab[] = {S7__EX_ITEM(S7__EX_ROW_ITEM)};

#define S7__N(a) (sizeof(a) / sizeof((a)[0]))

/* Generic entries for codes in no table: by error class (high byte) for header / userdata
 * codes.  code holds the class (class << 8); callers keep the exact code they asked for. */
#define S7__EX_GENERIC(X)                                                                         \
    X(0x0100, "UNKNOWN_OBJECT_ERROR", "object / block error (unlisted code)")                     \
    X(0x8000, "UNKNOWN_BLOCK_STATE_ERROR", "service error owing to block status (unlisted code)") \
    X(0x8100, "UNKNOWN_APPLICATION_ERROR", "application relationship error (unlisted code)")      \
    X(0x8200, "UNKNOWN_OBJECT_DEFINITION_ERROR", "object definition error (unlisted code)")       \
    X(0x8300, "UNKNOWN_RESOURCE_ERROR", "no resources available (unlisted code)")                 \
    X(0x8400, "UNKNOWN_SERVICE_ERROR", "error on service processing (unlisted code)")             \
    X(0x8500, "UNKNOWN_SUPPLIES_ERROR", "error on supplies (unlisted code)")                      \
    X(0x8700, "UNKNOWN_ACCESS_ERROR", "access error (unlisted code)")                             \
    X(0xD000, "UNKNOWN_TIS_ERROR", "test/installation (TIS) job error (unlisted code)")           \
    X(0xD200, "UNKNOWN_BLOCK_FUNCTION_ERROR", "block management error (unlisted code)")           \
    X(0xD400, "UNKNOWN_DIAGNOSTICS_ERROR",                                                        \
      "diagnostics / information function error (unlisted code)")                                 \
    X(0xD600, "UNKNOWN_PASSWORD_ERROR", "password / legitimation error (unlisted code)")          \
    X(0xD800, "UNKNOWN_CYCLIC_READ_ERROR", "cyclic read job error (unlisted code)")               \
    X(0xDC00, "UNKNOWN_CLOCK_ERROR", "date / time error (unlisted code)")                         \
    X(0xE200, "UNKNOWN_H_SYSTEM_ERROR", "H-system connect/update error (unlisted code)")          \
    X(0xEF00, "UNKNOWN_ID2_ERROR", "S7 protocol error at ID2 (unlisted code)")

#define S7__EX_GEN_HDR(c, n, t) {S7_EX_HEADER, (c), n, t, "", "", 0, 0, 0},
#define S7__EX_GEN_UD(c, n, t) {S7_EX_USERDATA, (c), n, t, "", "", 0, 0, 0},
static const s7_explain header_generic[] = {S7__EX_GENERIC(S7__EX_GEN_HDR)};
static const s7_explain ud_generic[] = {S7__EX_GENERIC(S7__EX_GEN_UD)};

static const s7_explain unknown_header = {
    S7_EX_HEADER, 0xFFFF, "UNKNOWN_ERROR", "unknown error code", "", "", 0, 0, 0};
static const s7_explain unknown_ud = {
    S7_EX_USERDATA, 0xFFFF, "UNKNOWN_ERROR", "unknown error code", "", "", 0, 0, 0};
static const s7_explain unknown_item = {
    S7_EX_ITEM, 0xFFFF, "UNKNOWN_ITEM_ERROR", "unknown item return code", "", "", 0, 0, 0};
static const s7_explain none_entry = {S7_EX_NONE, 0, "NO_ERROR", "no error", "", "", 0, 0, 0};

/* The entry of code in tab[0..n-1], or NULL. */
static const s7_explain *find(const s7_explain *tab, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++)
        if (tab[i].code == code)
            return &tab[i];
    return NULL;
}

/* The generic entry for the class / range of an unlisted header or userdata code. */
static const s7_explain *generic(const s7_explain *tab, size_t n, uint16_t code)
{
    uint16_t hi = (uint16_t)(code & 0xFF00);
    const s7_explain *e = find(tab, n, hi);
    if (e)
        return e;
    /* D0xx..DFxx ranges come in pairs (D0/D1 TIS, D2/D3 block, ...): fold the odd ones. */
    if ((hi & 0xF000) == 0xD000)
        return find(tab, n, (uint16_t)(hi & 0xFE00));
    return NULL;
}

const s7_explain *s7_explain_code(s7_explain_kind kind, uint16_t code)
{
    const s7_explain *e;
    switch (kind) {
    case S7_EX_HEADER:
        e = find(header_tab, S7__N(header_tab), code);
        if (!e)
            e = generic(header_generic, S7__N(header_generic), code);
        return e ? e : &unknown_header;
    case S7_EX_USERDATA:
        e = find(ud_tab, S7__N(ud_tab), code);
        if (!e)
            e = generic(ud_generic, S7__N(ud_generic), code);
        return e ? e : &unknown_ud;
    case S7_EX_ITEM:
        if (code > 0xFF)
            return &unknown_item;
        e = find(item_tab, S7__N(item_tab), code);
        return e ? e : &unknown_item;
    case S7_EX_NONE:
    default: return &none_entry;
    }
}

/* 0x8104 in the header of the answer to a request other than Read/Write Var: the service
 * is not implemented (block functions, upload, download, PI services, stop); PUT/GET
 * permission only decides about Read/Write Var. */
static const s7_explain service_8104 = {
    S7_EX_HEADER,
    0x8104,
    "FUNCTION_NOT_IMPLEMENTED",
    "this service is not implemented on the module or a frame error was reported",
    "the CPU does not offer this service over S7comm: S7-1200/1500 do not offer this service "
    "(block upload and download, block functions, PI services, stop and start), whether "
    "PUT/GET is permitted or not (PUT/GET covers reads and writes only)",
    "nothing to fix on the CPU: on an S7-1200/1500 use TIA Portal for this (load blocks, "
    "change the operating mode), or read and write the data with PUT/GET",
    0,
    0,
    0};

const s7_explain *s7_explain_service(uint16_t code)
{
    if (code == 0x8104)
        return &service_8104;
    return s7_explain_code(S7_EX_HEADER, code);
}

const char *s7_plc_strerror(uint16_t code) { return s7_explain_code(S7_EX_HEADER, code)->text; }

const char *s7_item_strerror(uint8_t rc) { return s7_explain_code(S7_EX_ITEM, rc)->text; }

const char *s7_explain_id(const s7_explain *e, char *buf, size_t cap)
{
    size_t i = 0;
    if (!buf || !cap)
        return buf;
    for (const char *p = e && e->name ? e->name : "unknown"; *p && i + 1 < cap; p++)
        buf[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    buf[i] = 0;
    return buf;
}

const char *s7_item_status_id(int status, uint8_t rc, char *buf, size_t cap)
{
    if (status == S7_ERR_ITEM)
        return s7_explain_id(s7_explain_code(S7_EX_ITEM, rc), buf, cap);
    if (buf && cap)
        snprintf(buf, cap, "%s", s7_err_id(status));
    return buf;
}
