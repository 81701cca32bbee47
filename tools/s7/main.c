/* The s7 command line: dispatch to the subcommands, `s7 help [CMD]` and `s7 --version`.
 * Each subcommand lives in its own file (read.c, write.c, info.c, dump.c, watch.c, server.c,
 * doctor.c, discover.c, scan.c). */
#include <stdio.h>
#include <string.h>

#include "common.h"

int cmd_read(cli *c);
int cmd_write(cli *c);
int cmd_info(cli *c);
int cmd_dump(cli *c);
int cmd_watch(cli *c);
int cmd_alarms(cli *c);      /* alarms.c */
int cmd_diag_buffer(cli *c); /* diagbuf.c */
extern const char alarms_help[], diagbuf_help[];
int cmd_server(cli *c);
int cmd_server_main(const cli_cmd *cmd, int argc, char **argv);
extern const char srv_help[];
int cmd_doctor(cli *c);
int cmd_doctor_main(const cli_cmd *cmd, int argc, char **argv);
int cmd_control(cli *c);
int cmd_control_main(const cli_cmd *cmd, int argc, char **argv);
extern const char control_stop_help[], control_start_help[];
extern const char doctor_help[];
int cmd_discover(cli *c);
extern const char discover_help[];
int cmd_scan(cli *c);
int cmd_scan_main(const cli_cmd *cmd, int argc, char **argv);
extern const char scan_help[];
int cmd_inventory(cli *c);
int cmd_blocks(cli *c);
int cmd_blocks_main(const cli_cmd *cmd, int argc, char **argv);
int cmd_upload(cli *c);
int cmd_download(cli *c);
extern const char blocks_help[];
int cmd_inventory_main(const cli_cmd *cmd, int argc, char **argv);
int cmd_partner(cli *c); /* partner.c: BSEND/BRCV, USEND/URCV */
int cmd_partner_main(const cli_cmd *cmd, int argc, char **argv);
extern const char partner_help[];
extern const char inv_help[];
int cmd_exchange(cli *c); /* exchange.c: s7 exchange FILE (the PC bridge) */
int cmd_exchange_main(const cli_cmd *cmd, int argc, char **argv);
extern const char exchange_help[];
int cmd_guard(cli *c);
int cmd_guard_main(const cli_cmd *cmd, int argc, char **argv);
extern const char guard_help[];

#define COMMON_HELP                                                                                \
    "Common options (anywhere on the line):\n"                                                     \
    "  --rack R            rack of the CPU, 0..7 (default 0)\n"                                    \
    "  --slot S            slot of the CPU, 0..31 (default 1: S7-1200/1500; S7-300 uses 2)\n"      \
    "  --type pg|op|basic  connection type / resource pool (default pg)\n"                         \
    "  --tsap LOCAL:REMOTE explicit TSAPs in hex instead of rack/slot, e.g. 0100:0200 (LOGO!)\n"   \
    "  --pdu N             PDU size to request, 240..960 (default 960; the CPU may answer less)\n" \
    "  --timeout MS        connect and request timeout, 1..600000 ms (default 3000)\n"             \
    "  --json              machine-readable output on stdout\n"                                    \
    "  --trace             hex dump of every frame on stderr\n"                                    \
    "HOST is an IPv4 address, a name, or an IPv6 address in brackets, with an optional :PORT\n"    \
    "(default 102): 192.168.0.1, plc7:1102, [::1]:102.\n"                                          \
    "Exit codes: 0 success, 1 the PLC refused (or some items failed), 2 usage error,\n"            \
    "3 no connection.\n"

const cli_cmd cli_cmds[] = {
    {"read", cmd_read, "HOST ADDRESS...", "read values (all items in one request plan)",
     "Reads every ADDRESS and prints one line 'ADDRESS = VALUE' per item, the address in\n"
     "canonical form.  Addresses in Step 7/TIA, PLC4X, nodes7 or S7-200 style, with an optional\n"
     "type: DB1.DBW0  DB1.DBD4:REAL  DB1.DBB10:STRING[20]  MW4:INT[3]  I0.0  QB1  T5  C3\n"
     "%DB1:4:REAL  DB1,INT2  VW10.  Any number of items: they are packed into as few PDUs as fit.\n"
     "--json prints an array of {address, type, value, status, error} (error: {name, code, "
     "message,\n"
     "cause, fix} for items that failed, docs/json.md).  Exit 0 only when every item was read.\n\n"
     "Examples:\n"
     "  s7 read 192.168.0.1 DB1.DBW0 DB1.DBD4:REAL MB0\n"
     "  s7 read 192.168.0.1 --json DB1.DBX0.0 MW10:INT\n\n" COMMON_HELP,
     0, 1, -1},
    {"write", cmd_write, "HOST ADDRESS=VALUE...", "write values (typed by the address)",
     "Writes each VALUE to its ADDRESS; the value is parsed for the address's type (BOOL "
     "true/false/1/0,\n"
     "integers in decimal or 16#FF, REAL, STRING text, TIME T#5s, arrays [1, 2, 3]).  A BOOL\n"
     "address writes only that bit.  Prints 'ADDRESS = VALUE' for each written item.\n"
     "--json prints an array of {address, type, value, status, error}.  Exit 0 only when every\n"
     "item was written.\n\n"
     "Examples:\n"
     "  s7 write 192.168.0.1 DB1.DBW0=42 DB1.DBD4:REAL=3.5 M0.1=true\n"
     "  s7 write 192.168.0.1 'DB1.DBB10:STRING[20]=hello world'\n\n" COMMON_HELP,
     0, 1, -1},
    {"info", cmd_info, "HOST", "identity, state, PDU, protection and connections of a CPU",
     "Prints what the CPU tells about itself: order code, firmware, names, serial number,\n"
     "module type (SZL 0x0011 / 0x001C), CPU state (SZL 0x0424), the negotiated PDU size and\n"
     "jobs in flight (AmQ), the TSAPs used, and where the CPU answers them the protection level\n"
     "(SZL 0x0232) and its connection capacity and use (SZL 0x0131 / 0x0132).\n\n"
     "Example:\n"
     "  s7 info 192.168.0.1 --json\n\n" COMMON_HELP,
     0, 0, 0},
    {"dump", cmd_dump, "HOST DB N [-o FILE]", "read a whole DB into a file or as a hex dump",
     "Finds the length of DB N, reads it in chunks and writes the bytes to FILE (-o), or prints\n"
     "a hex dump (offset, 16 bytes, ASCII) on stdout.  Shows progress on stderr when stderr is a\n"
     "terminal.  --json prints {db, length, file, hex, error}.\n\n"
     "Options:\n"
     "  -o FILE, --output FILE   write the raw bytes to FILE\n\n"
     "Examples:\n"
     "  s7 dump 192.168.0.1 DB 3\n"
     "  s7 dump 192.168.0.1 DB 3 -o db3.bin\n\n" COMMON_HELP,
     CLI_X_OUT, 1, 2},
    {"watch", cmd_watch, "HOST ADDRESS... [--every MS] [--count N] [--push]",
     "poll values (or have the CPU push them) and print changes",
     "Polls the addresses and prints a timestamped line 'TIME ADDRESS = VALUE' for each value\n"
     "when it changes (the first values too).  When the connection drops it says so and\n"
     "reconnects.  --json prints one JSON object per line.\n\n"
     "Options:\n"
     "  --every MS   poll interval, 10..86400000 ms (default 1000)\n"
     "  --count N    stop after N polls (default: until interrupted)\n"
     "  --push       subscribe instead (cyclic data, S7-300/400): the CPU sends the changes,\n"
     "               looking every --every MS; where the CPU refuses, says so on stderr and\n"
     "               polls.  --count then counts the updates\n\n"
     "Example:\n"
     "  s7 watch 192.168.0.1 DB1.DBW0 M0.0 --every 200\n"
     "  s7 watch 192.168.0.1 DB1.DBW0 --push --every 500\n\n" COMMON_HELP,
     CLI_X_EVERY | CLI_X_COUNT | CLI_X_PUSH, 1, -1},
    {"alarms", cmd_alarms, "HOST [--alarm8]", "the CPU's active alarms (alarm query)", alarms_help,
     CLI_X_ALARM8, 0, 0},
    {"diag-buffer", cmd_diag_buffer, "HOST", "the CPU's diagnostic buffer, newest first",
     diagbuf_help, 0, 0, 0},
    {"server", cmd_server, "[--config FILE]", "emulate an S7 CPU for PUT/GET clients", srv_help, 0,
     0, 0},
    {"doctor", cmd_doctor, "HOST [--db N[:LEN]]...",
     "why a connection or a DB access fails: one verdict, cause, fix", doctor_help, 0, 0, 0},
    {"stop", cmd_control, "HOST [--yes]", "switch a CPU to STOP (asks first)", control_stop_help, 0,
     0, 0},
    {"start", cmd_control, "HOST [--cold] [--yes]", "switch a CPU to RUN (asks first)",
     control_start_help, 0, 0, 0},
    {"discover", cmd_discover, "HOST",
     "find the rack/slot, connection type or TSAP pair a CPU accepts", discover_help, 0, 0, 0},
    {"scan", cmd_scan, "CIDR|RANGE [--port P] [--rate N/s]",
     "hosts answering on port 102 and what they are", scan_help, 0, 0, 0},
    {"inventory", cmd_inventory, "validate|check|firewall|report|monitor|simulate FILE",
     "the plant's documented S7 connections: check live, firewall rules, report, simulate",
     inv_help, 0, 0, 0},
    {"exchange", cmd_exchange, "FILE [--metrics ADDR:PORT]",
     "run GET/PUT jobs between CPUs from this PC (the bridge)", exchange_help, 0, 0, 0},
    {"partner", cmd_partner, "--listen|--connect HOST [--bsend R_ID:FILE]...",
     "BSEND/BRCV and USEND/URCV with a partner CPU", partner_help, 0, 0, 0},
    {"blocks", cmd_blocks, "[info] HOST [BLOCK]", "the CPU's blocks per type, or one block's info",
     blocks_help, 0, 0, 1},
    {"upload", cmd_upload, "HOST BLOCK -o FILE", "upload a block (DB10, FC1 ...) into a file",
     "Uploads one block as the CPU holds it (the MC7 block: header, code or a DB's current\n"
     "data, interface, footer) into FILE.  The CPU refuses at protection level 3 without the\n"
     "password (0xD241), system blocks and know-how protected blocks (0xD20E), a block it does\n"
     "not have (0xD20C); S7-1200/1500 refuse block functions (0x8104).  --json prints {block,\n"
     "length, file, error}.\n\n"
     "Example:\n"
     "  s7 upload 192.168.0.20 DB10 -o db10.blk --slot 2\n\n" COMMON_HELP,
     CLI_X_OUT, 1, 1},
    {"download", cmd_download, "HOST FILE",
     "download a block file to an S7-300/400 and activate it",
     "Downloads the block in FILE (as s7 upload writes it: an OB, FB, FC, DB or SDB) to the CPU\n"
     "and activates it (PI service _INSE): the CPU asks for the block's parts itself, this\n"
     "answers them.  A DB downloaded replaces the DB of its number, with the file's data.\n"
     "Refused at a protection level that needs the password (0xD241) and by S7-1200/1500\n"
     "(0x8104), which is explained.  --json prints {block, length, file, error}.\n\n"
     "Example:\n"
     "  s7 download 192.168.0.20 db10.blk --slot 2\n\n" COMMON_HELP,
     0, 1, 1},
    {"guard", cmd_guard, "--upstream CPU (--inventory FILE --cpu NAME | --rules FILE)",
     "enforcing proxy: only documented partners, ranges and services reach the CPU", guard_help, 0,
     0, 0},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, 0},
};

/* "error: unknown command 'NAME' (commands: ... TAIL)": every command of the table. */
static void unknown_command(const char *name, const char *tail)
{
    fprintf(stderr, "error: unknown command '%s' (commands:", name);
    for (const cli_cmd *c = cli_cmds; c->name; c++)
        fprintf(stderr, " %s", c->name);
    fprintf(stderr, "%s)\n", tail);
}

const cli_cmd *cli_find_cmd(const char *name)
{
    for (const cli_cmd *c = cli_cmds; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void print_help(FILE *f)
{
    fprintf(f, "s7 %s: Siemens S7 PUT/GET over ISO-on-TCP (port 102)\n\n", S7_VERSION_STRING);
    fprintf(f, "usage: s7 COMMAND HOST ... [options]\n\nCommands:\n");
    for (const cli_cmd *c = cli_cmds; c->name; c++)
        fprintf(f, "  %-9s %-41s %s\n", c->name, c->usage, c->summary);
    fprintf(f, "  %-9s %-41s %s\n\n", "help", "[COMMAND]", "this text, or a command's details");
    fputs(COMMON_HELP, f);
}

int main(int argc, char **argv)
{
    const cli_cmd *cmd;
    cli c;
    int rc;

    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
        strcmp(argv[1], "version") == 0) {
        printf("s7 (s7kit) %s\n", S7_VERSION_STRING);
        return CLI_OK;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        if (argc > 2) {
            cmd = cli_find_cmd(argv[2]);
            if (!cmd) {
                unknown_command(argv[2], "");
                return CLI_USAGE;
            }
            printf("usage: s7 %s %s [options]\n\n%s", cmd->name, cmd->usage, cmd->help);
            return CLI_OK;
        }
        print_help(stdout);
        return CLI_OK;
    }
    cmd = cli_find_cmd(argv[1]);
    if (!cmd) {
        unknown_command(argv[1], "; s7 help lists them");
        return CLI_USAGE;
    }
    if (cmd->run == cmd_server) /* no HOST and options of its own: server.c parses them */
        return cmd_server_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_scan) /* targets instead of a HOST: scan.c parses its options */
        return cmd_scan_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_doctor) /* --db/--area of its own, then the shared parser */
        return cmd_doctor_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_control) /* --yes/--cold of its own, then the shared parser */
        return cmd_control_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_blocks) /* an optional leading "info" */
        return cmd_blocks_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_guard) /* no HOST: guard.c parses its options */
        return cmd_guard_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_inventory) /* FILE instead of HOST: inventory.c parses its options */
        return cmd_inventory_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_exchange) /* FILE instead of HOST: exchange.c parses its options */
        return cmd_exchange_main(cmd, argc - 2, argv + 2);
    if (cmd->run == cmd_partner) /* no HOST: partner.c parses its options */
        return cmd_partner_main(cmd, argc - 2, argv + 2);
    rc = cli_parse(&c, cmd, argc - 2, argv + 2);
    if (rc == CLI_OK)
        rc = cmd->run(&c);
    else if (rc == CLI_HELP_SHOWN)
        rc = CLI_OK;
    cli_free(&c);
    return rc;
}
