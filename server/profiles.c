/* Built-in CPU families for the emulator: limits, identity and TSAP rules (const
 * tables), and the family details the public s7_profile does not carry.
 *
 * What each profile answers (identities are believable, not those of real units; limits
 * follow s7-protocol.md sections 3 and 8 and Siemens data sheets where known; the AmQ
 * values are guesses except the 300's: a real CPU 315-2 PN/DP grants 2 jobs in flight when
 * WinCC asks 3, tests/vectors/real/wincc_s300_*):
 *
 * | name        | module              | order code           | FW      | rack/slot | PDU | AmQ | conn total/PG/OP/basic | reserved PG/OP | PUT/GET | T/C |
 * |-------------|---------------------|----------------------|---------|-----------|-----|-----|------------------------|----------------|---------|-----|
 * | s7-300      | CPU 315-2 PN/DP     | 6ES7 315-2EH14-0AB0  | V3.2.6  | 0/2       | 240 |  2  | 16 / 15 / 15 / 14      | 1 / 1          | on      | yes |
 * | s7-400      | CPU 414-3 PN/DP     | 6ES7 414-3EM07-0AB0  | V7.0.3  | 0/3       | 480 | 16  | 64 / 63 / 63 / 62      | 1 / 1          | on      | yes |
 * | s7-1200     | CPU 1214C DC/DC/DC  | 6ES7 214-1AG40-0XB0  | V4.5.2  | 0/1       | 240 |  3  | 16 /  4 / 12 /  8      | 4 / 12         | off     | no  |
 * | s7-1500     | CPU 1516-3 PN/DP    | 6ES7 516-3AN02-0AB0  | V2.9.4  | 0/1       | 960 |  8  | 256 / 252 / 252 / 248  | 4 / 4          | off     | no  |
 * | logo8       | LOGO! 12/24RCE      | 6ED1052-1MD08-0BA1   | V1.83.2 | (TSAPs)   | 240 |  1  |  8 /  8 /  8 /  8      | 0 / 0          | on      | no  |
 * | s7-200smart | CPU SR20            | 6ES7 288-1SR20-0AA1  | V2.7.0  | 0/1       | 240 |  4  | 17 /  1 /  8 /  8      | 1 / 8          | on      | no  |
 *
 * Per-type maxima on 300/400/1500 are "total minus what is reserved for the other
 * types" (a 315-2 PN/DP reserves 1 PG and 1 OP connection of its 16).  The S7-1200 V4
 * budget is 4 PG, 12 HMI and 8 S7 connections within 16 for PUT/GET clients; the
 * S7-200 SMART has 1 programming, 8 HMI and 8 GET/PUT connections.
 * LOGO! 8 and S7-200 SMART carry V memory as DB1 (851 and 8192 bytes); no other DB can
 * be added there.  TSAPs accepted: see s7_cpu_accept in cpu.c. */
#include <string.h>

#include "server/cpu_int.h"

static const s7_profile PROFILES[] = {
    {"s7-300",
     240,
     2,
     {16, 15, 15, 14},
     0,
     2,
     S7_TSAP_RACKSLOT,
     1,
     1,
     1,
     "6ES7 315-2EH14-0AB0",
     {3, 2, 6},
     "CPU 315-2 PN/DP",
     "SIMATIC 300(1)",
     "CPU 315-2 PN/DP",
     "",
     "Original Siemens Equipment",
     "S C-H4T327152015"},
    {"s7-400",
     480,
     16,
     {64, 63, 63, 62},
     0,
     3,
     S7_TSAP_RACKSLOT,
     1,
     1,
     1,
     "6ES7 414-3EM07-0AB0",
     {7, 0, 3},
     "CPU 414-3 PN/DP",
     "SIMATIC 400(1)",
     "CPU 414-3 PN/DP",
     "",
     "Original Siemens Equipment",
     "S Q-F7V218462019"},
    {"s7-1200",
     240,
     3,
     {16, 4, 12, 8},
     0,
     1,
     S7_TSAP_RACKSLOT,
     0,
     0,
     1,
     "6ES7 214-1AG40-0XB0",
     {4, 5, 2},
     "CPU 1214C DC/DC/DC",
     "S7-1200 station_1",
     "PLC_1",
     "",
     "Original Siemens Equipment",
     "S V-M9A814222021"},
    {"s7-1500",
     960,
     8,
     {256, 252, 252, 248},
     0,
     1,
     S7_TSAP_RACKSLOT,
     0,
     0,
     1,
     "6ES7 516-3AN02-0AB0",
     {2, 9, 4},
     "CPU 1516-3 PN/DP",
     "S7-1500 station_1",
     "PLC_1",
     "",
     "Original Siemens Equipment",
     "S V-P1C340772022"},
    {"logo8",
     240,
     1,
     {8, 8, 8, 8},
     0,
     1,
     S7_TSAP_LOGO,
     0,
     1,
     1,
     "6ED1052-1MD08-0BA1",
     {1, 83, 2},
     "LOGO! 8.3",
     "LOGO! 8",
     "LOGO! 12/24RCE",
     "",
     "Original Siemens Equipment",
     "S Z-W2K487312020"},
    {"s7-200smart",
     240,
     4,
     {17, 1, 8, 8},
     0,
     1,
     S7_TSAP_S7200,
     0,
     1,
     1,
     "6ES7 288-1SR20-0AA1",
     {2, 7, 0},
     "CPU SR20",
     "S7-200 SMART",
     "CPU SR20 (AC/DC/Relay)",
     "",
     "Original Siemens Equipment",
     "S Z-VJ8C34102021"},
};

#define NPROFILES (sizeof PROFILES / sizeof PROFILES[0])

static const char *const NAMES[] = {"s7-300", "s7-400",      "s7-1200", "s7-1500",
                                    "logo8",  "s7-200smart", NULL};

/* Family details, same order as PROFILES.  The s7-300's SZL 0x0131 index 1 rates are a
 * real 315-2 PN/DP's (snap7_s300_everything.pcapng: MPI 12 Mbit/s, K-bus 187.5 kbit/s,
 * 100 Mbit/s); no capture shows the other families' record. */
static const s7__profile_ext EXTS[] = {
    {S7__FAM_CLASSIC, 1, 1, 12000000, 187500, 100000000, 0, 4, 0, "MMC 267FF11F", 0x41200909},
    {S7__FAM_CLASSIC, 1, 1, 187500, 187500, 0, 1, 3, 0, "MC 4C7A0213", 0},
    {S7__FAM_PLUS, 4, 12, 0, 0, 0, 0, 4, 0, "SMC 6B9E1C55", 0},
    {S7__FAM_PLUS, 4, 4, 0, 0, 0, 0, 2, 0, "SMC 1D34F0A2", 0},
    {S7__FAM_LOGO, 0, 0, 0, 0, 0, 0, 1, 851, "", 0},
    {S7__FAM_S7200, 1, 8, 0, 0, 0, 0, 1, 8192, "", 0},
};

static const s7__profile_ext EXT_CLASSIC = {
    S7__FAM_CLASSIC, 1, 1, 187500, 187500, 0, 0, 1, 0, "", 0};
static const s7__profile_ext EXT_PLUS = {S7__FAM_PLUS, 1, 1, 0, 0, 0, 0, 1, 0, "", 0};
static const s7__profile_ext EXT_LOGO = {S7__FAM_LOGO, 0, 0, 0, 0, 0, 0, 1, 851, "", 0};
static const s7__profile_ext EXT_S7200 = {S7__FAM_S7200, 1, 1, 0, 0, 0, 0, 1, 8192, "", 0};

/* Case-insensitive ASCII comparison of two NUL-terminated names. */
static int name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (char)(*a >= 'A' && *a <= 'Z' ? *a + 32 : *a);
        char y = (char)(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* Non-zero when name contains needle (ASCII, case-insensitive). */
static int name_has(const char *name, const char *needle)
{
    size_t n = strlen(needle);
    for (; *name; name++) {
        size_t i = 0;
        for (; i < n && name[i]; i++) {
            char x = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
            if (x != needle[i])
                break;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

/* The built-in profile of that name (case-insensitive), NULL if unknown. */
const s7_profile *s7_profile_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NPROFILES; i++)
        if (name_eq(name, PROFILES[i].name))
            return &PROFILES[i];
    return NULL;
}

/* NULL-terminated list of the built-in profile names (static). */
const char *const *s7_profile_names(void) { return NAMES; }

const s7__profile_ext *s7__profile_ext_of(const s7_profile *p)
{
    const char *name = p && p->name ? p->name : "";
    for (size_t i = 0; i < NPROFILES; i++)
        if (name_eq(name, PROFILES[i].name))
            return &EXTS[i];
    if (name_has(name, "1200") || name_has(name, "1500"))
        return &EXT_PLUS;
    if (name_has(name, "logo"))
        return &EXT_LOGO;
    if (name_has(name, "200"))
        return &EXT_S7200;
    return &EXT_CLASSIC;
}

uint32_t s7_profile_vmem_size(const s7_profile *p)
{
    return s7__profile_vmem_only(p) ? s7__profile_ext_of(p)->vmem_size : 0;
}

int s7_profile_slot0_too(const s7_profile *p)
{
    return p && s7__profile_ext_of(p)->family == S7__FAM_PLUS && p->slot == 1;
}

int s7__profile_vmem_only(const s7_profile *p)
{
    int f = s7__profile_ext_of(p)->family;
    return f == S7__FAM_LOGO || f == S7__FAM_S7200;
}
