#!/usr/bin/env node
/* Snap7 client (node-snap7's S7Client) for verification from shell tests.
 *
 *   node snap7_client.js [--rack R] [--slot S] [--type pg|op|basic] [--timeout MS]
 *                        HOST:PORT CMD ARGS...
 *
 * Commands (numbers decimal or 0x-hex; HEX = data bytes, e.g. 0a0bff):
 *   dbread DB START LEN           prints the bytes as lowercase hex, no spaces
 *   dbpoll DB START LEN N MS      DBRead back to back, N times (at most 100000) or until MS
 *                                 milliseconds have passed: one line of hex per read
 *   dbwrite DB START HEX
 *   read AREA DB START LEN        AREA: PE PA MK DB TM CT; for TM/CT START and LEN count
 *   write AREA DB START HEX         16-bit elements (timer/counter word length)
 *   multiread JSON                JSON list of {"area":"DB","db":1,"start":0,"len":4};
 *                                 prints one line per item: hex, or "error: TEXT"
 *   cpuinfo                       key=value lines (GetCpuInfo)
 *   ordercode                     code=..., version=V1.V2.V3
 *   plcstatus                     run | stop | unknown
 *   clock                         PLC clock as YYYY-MM-DDTHH:MM:SS
 *   setclock ISO                  YYYY-MM-DDTHH:MM:SS
 *   szl ID INDEX                  (hex) prints LENTHDR N_DR (big-endian) + records as hex
 *   stop | start                  PlcStop / PlcHotStart
 *   coldstart                     PlcColdStart
 *   setdate ISO                   YYYY-MM-DDTHH:MM:SS like setclock, but handed to node-snap7
 *                                 as a JS Date: node-snap7 then fills a whole struct tm
 *                                 (setclock passes an object, and node-snap7 leaves tm_wday
 *                                 uninitialised: Snap7 sends a garbage weekday/ms byte)
 *   multiwrite JSON               JSON list of {"area":"DB","db":1,"start":0,"hex":"0a0b"}
 *                                 (TM/CT: whole 2-byte elements); one WriteMultiVars call;
 *                                 prints one line per item: "ok" or "error: TEXT"
 *   cpinfo                        key=value lines (GetCpInfo: SZL 0x0131 index 1)
 *   protection                    key=value lines (GetProtection: SZL 0x0232 index 4)
 *   szllist                       (ReadSZLList) the SZL IDs, 4 hex digits each, one a line
 *   pdu                           the negotiated PDU length (PDULength)
 *   listblocks                    TYPE=COUNT lines (ListBlocks: OB FB FC SFB SFC DB SDB)
 *   blocksoftype TYPE             (ListBlocksOfType; TYPE OB DB SDB FC SFC FB SFB) the numbers,
 *                                 one a line
 *   blockinfo TYPE N              key=value lines (GetAgBlockInfo)
 *   fullupload TYPE N             (FullUpload) the whole block as lowercase hex
 *   dbget DB                      (DBGet: sized from the DB's block info) the data as hex
 *   download N FILE               (Download) the block in FILE (as uploaded), as number N
 *
 * Exit 0 on success; on error prints "error: <Snap7 error text>" on stderr and exits 1
 * (2 for bad usage). */
'use strict';

let snap7;
try {
    snap7 = require('node-snap7');
} catch (e) {
    process.stderr.write('snap7_client: node-snap7 not installed (run scripts/deps.sh): ' + e.message + '\n');
    process.exit(2);
}

function usage(msg) {
    if (msg) process.stderr.write('snap7_client: ' + msg + '\n');
    process.stderr.write('usage: snap7_client.js [--rack R --slot S --type pg|op|basic --timeout MS] ' +
        'HOST:PORT CMD ARGS (dbread dbpoll dbwrite read write multiread cpuinfo ordercode plcstatus ' +
        'clock setclock szl stop start coldstart multiwrite cpinfo protection szllist pdu setdate '+
        'listblocks blocksoftype blockinfo fullupload dbget download)\n');
    process.exit(2);
}

function btype(s) {
    const t = { OB: 0x38, DB: 0x41, SDB: 0x42, FC: 0x43, SFC: 0x44, FB: 0x45, SFB: 0x46 }[String(s).toUpperCase()];
    if (t === undefined) usage('block type: OB DB SDB FC SFC FB SFB, not ' + s);
    return t;
}
function num(s, what) {
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s || '')) usage(what + ': not a number: ' + s);
    return Number(s);
}
function hexnum(s, what) {
    const t = (s || '').replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]+$/.test(t)) usage(what + ': not hex: ' + s);
    return parseInt(t, 16);
}
function hexbytes(s, what) {
    const t = (s || '').replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(t)) usage(what + ': need an even number of hex digits: ' + s);
    return Buffer.from(t, 'hex');
}

const client = new snap7.S7Client();

const AREAS = {
    PE: [client.S7AreaPE, client.S7WLByte, 1], PA: [client.S7AreaPA, client.S7WLByte, 1],
    MK: [client.S7AreaMK, client.S7WLByte, 1], DB: [client.S7AreaDB, client.S7WLByte, 1],
    TM: [client.S7AreaTM, client.S7WLTimer, 2], CT: [client.S7AreaCT, client.S7WLCounter, 2],
};
function area(name) {
    const a = AREAS[(name || '').toUpperCase()];
    if (!a) usage('unknown area ' + name + ' (PE PA MK DB TM CT)');
    return a;
}

let rack = 0, slot = 1, type = null, timeout = null;
const argv = process.argv.slice(2);
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i++) {
    const a = argv[i];
    const v = argv[++i];
    if (v === undefined) usage(a + ' needs a value');
    if (a === '--rack') rack = num(v, a);
    else if (a === '--slot') slot = num(v, a);
    else if (a === '--timeout') timeout = num(v, a);
    else if (a === '--type') {
        const t = { pg: client.CONNTYPE_PG, op: client.CONNTYPE_OP, basic: client.CONNTYPE_BASIC }[v];
        if (t === undefined) usage('--type pg|op|basic');
        type = t;
    } else usage('unknown option ' + a);
}
const target = argv[i++];
const cmd = argv[i++];
const args = argv.slice(i);
if (!target || !cmd) usage();
const m = /^(.+):([0-9]+)$/.exec(target);
if (!m) usage('target must be HOST:PORT');
const host = m[1].replace(/^\[(.*)\]$/, '$1');
const port = Number(m[2]);

function die(what) {
    const code = client.LastError();
    let text;
    try { text = client.ErrorText(code); } catch (e) { text = 'error ' + code; }
    process.stderr.write('error: ' + text.trim() + (what ? ' (' + what + ')' : '') + '\n');
    try { client.Disconnect(); } catch (e) { /* ignore */ }
    process.exit(1);
}
function need(n) {
    if (args.length !== n) usage(cmd + ' takes ' + n + ' argument(s)');
}

/* Checks arguments before connecting so usage errors do not need a peer. */
const plan = (() => {
    switch (cmd) {
    case 'dbread': need(3); return { db: num(args[0], 'DB'), start: num(args[1], 'START'), len: num(args[2], 'LEN') };
    case 'dbpoll': {
        need(5);
        const n = num(args[3], 'N'), ms = num(args[4], 'MS');
        if (n < 1 || n > 100000) usage('dbpoll: N is 1..100000');
        return { db: num(args[0], 'DB'), start: num(args[1], 'START'), len: num(args[2], 'LEN'), n, ms };
    }
    case 'dbwrite': need(3); return { db: num(args[0], 'DB'), start: num(args[1], 'START'), data: hexbytes(args[2], 'HEX') };
    case 'read': need(4); return { a: area(args[0]), db: num(args[1], 'DB'), start: num(args[2], 'START'), len: num(args[3], 'LEN') };
    case 'write': need(4); return { a: area(args[0]), db: num(args[1], 'DB'), start: num(args[2], 'START'), data: hexbytes(args[3], 'HEX') };
    case 'multiread': {
        need(1);
        let list;
        try { list = JSON.parse(args[0]); } catch (e) { usage('multiread: bad JSON: ' + e.message); }
        if (!Array.isArray(list) || list.length === 0) usage('multiread: need a non-empty JSON list');
        return list.map((it, k) => {
            if (typeof it !== 'object' || it === null) usage('multiread: item ' + k + ' is not an object');
            const a = area(it.area || 'DB');
            return { Area: a[0], WordLen: a[1], DBNumber: Number(it.db || 0), Start: Number(it.start || 0),
                Amount: Number(it.len === undefined ? 1 : it.len) };
        });
    }
    case 'setdate':
    case 'setclock': {
        need(1);
        const d = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})/.exec(args[0]);
        if (!d) usage('setclock YYYY-MM-DDTHH:MM:SS');
        return { year: +d[1], month: +d[2] - 1, day: +d[3], hours: +d[4], minutes: +d[5], seconds: +d[6] };
    }
    case 'szl': need(2); return { id: hexnum(args[0], 'ID'), index: hexnum(args[1], 'INDEX') };
    case 'multiwrite': {
        need(1);
        let list;
        try { list = JSON.parse(args[0]); } catch (e) { usage('multiwrite: bad JSON: ' + e.message); }
        if (!Array.isArray(list) || list.length === 0) usage('multiwrite: need a non-empty JSON list');
        return list.map((it, k) => {
            if (typeof it !== 'object' || it === null) usage('multiwrite: item ' + k + ' is not an object');
            const a = area(it.area || 'DB');
            const data = hexbytes(it.hex, 'multiwrite: item ' + k + ' hex');
            if (data.length % a[2]) usage('multiwrite: TM/CT data must be whole 2-byte elements');
            return { Area: a[0], WordLen: a[1], DBNumber: Number(it.db || 0), Start: Number(it.start || 0),
                Amount: data.length / a[2], Data: data };
        });
    }
    case 'cpuinfo': case 'ordercode': case 'plcstatus': case 'clock': case 'stop': case 'start':
    case 'coldstart': case 'cpinfo': case 'protection': case 'szllist': case 'pdu':
    case 'listblocks':
        need(0); return {};
    case 'blocksoftype': need(1); return { type: btype(args[0]) };
    case 'blockinfo': case 'fullupload': need(2); return { type: btype(args[0]), n: num(args[1], 'N') };
    case 'dbget': need(1); return { db: num(args[0], 'DB') };
    case 'download': need(2); return { n: num(args[0], 'N'), data: require('fs').readFileSync(args[1]) };
    default: usage('unknown command ' + cmd);
    }
    return null;
})();

if (!client.SetParam(client.RemotePort, port)) die('SetParam RemotePort');
if (timeout !== null) {
    client.SetParam(client.PingTimeout, timeout);
    client.SetParam(client.SendTimeout, timeout);
    client.SetParam(client.RecvTimeout, timeout);
}
if (type !== null) client.SetConnectionType(type);
if (!client.ConnectTo(host, rack, slot)) die('connect ' + host + ':' + port);

const pad2 = (n) => String(n).padStart(2, '0');
const out = (s) => process.stdout.write(s + '\n');

switch (cmd) {
case 'dbread': {
    const b = client.DBRead(plan.db, plan.start, plan.len);
    if (!b) die();
    out(b.toString('hex'));
    break;
}
case 'dbpoll': {
    const end = Date.now() + plan.ms;
    const lines = [];
    for (let i = 0; i < plan.n && Date.now() < end; i++) {
        const b = client.DBRead(plan.db, plan.start, plan.len);
        if (!b) die('read ' + (i + 1));
        lines.push(b.toString('hex'));
    }
    out(lines.join('\n'));
    break;
}
case 'dbwrite':
    if (!client.DBWrite(plan.db, plan.start, plan.data.length, plan.data)) die();
    break;
case 'read': {
    const [ar, wl] = plan.a;
    const b = client.ReadArea(ar, plan.db, plan.start, plan.len, wl);
    if (!b) die();
    out(b.toString('hex'));
    break;
}
case 'write': {
    const [ar, wl, esz] = plan.a;
    if (plan.data.length % esz) usage('write: TM/CT data must be whole 2-byte elements');
    if (!client.WriteArea(ar, plan.db, plan.start, plan.data.length / esz, wl, plan.data)) die();
    break;
}
case 'multiread': {
    const res = client.ReadMultiVars(plan);
    if (!res) die();
    let bad = 0;
    for (const r of res) {
        if (r.Result === 0 && r.Data) out(Buffer.from(r.Data).toString('hex'));
        else { bad++; out('error: ' + client.ErrorText(r.Result).trim()); }
    }
    client.Disconnect();
    process.exit(bad ? 1 : 0);
    break;
}
case 'cpuinfo': {
    const r = client.GetCpuInfo();
    if (!r) die();
    for (const k of Object.keys(r)) out(k + '=' + String(r[k]).trim());
    break;
}
case 'ordercode': {
    const r = client.GetOrderCode();
    if (!r) die();
    out('code=' + String(r.Code).trim());
    out('version=' + r.V1 + '.' + r.V2 + '.' + r.V3);
    break;
}
case 'plcstatus': {
    const s = client.PlcStatus();
    if (s === false) die();
    out(s === client.S7CpuStatusRun ? 'run' : s === client.S7CpuStatusStop ? 'stop' : 'unknown');
    break;
}
case 'clock': {
    const d = client.GetPlcDateTime();
    if (!d) die();
    out(d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + 'T' +
        pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()));
    break;
}
case 'setclock':
    if (!client.SetPlcDateTime(plan)) die();
    break;
case 'setdate':
    /* local time fields: node-snap7 runs localtime() on it and gets them back */
    if (!client.SetPlcDateTime(new Date(plan.year, plan.month, plan.day, plan.hours, plan.minutes,
        plan.seconds))) die();
    break;
case 'szl': {
    const b = client.ReadSZL(plan.id, plan.index);
    if (!b) die();
    /* node-snap7 returns Snap7's TS7SZL: LENTHDR and N_DR in host order, then the records. */
    const be = Buffer.alloc(b.length);
    b.copy(be);
    if (b.length >= 4 && require('os').endianness() === 'LE') {
        be.writeUInt16BE(b.readUInt16LE(0), 0);
        be.writeUInt16BE(b.readUInt16LE(2), 2);
    }
    out(be.toString('hex'));
    break;
}
case 'stop':
    if (!client.PlcStop()) die();
    break;
case 'coldstart':
    if (!client.PlcColdStart()) die();
    break;
case 'multiwrite': {
    const res = client.WriteMultiVars(plan);
    if (!res) die();
    let bad = 0;
    for (const r of res) {
        if (r.Result === 0) out('ok');
        else { bad++; out('error: ' + client.ErrorText(r.Result).trim()); }
    }
    client.Disconnect();
    process.exit(bad ? 1 : 0);
    break;
}
case 'cpinfo': {
    const r = client.GetCpInfo();
    if (!r) die();
    for (const k of Object.keys(r)) out(k + '=' + String(r[k]));
    break;
}
case 'protection': {
    const r = client.GetProtection();
    if (!r) die();
    for (const k of Object.keys(r)) out(k + '=' + String(r[k]));
    break;
}
case 'szllist': {
    const r = client.ReadSZLList();
    if (!r) die();
    for (const id of r) out(Number(id).toString(16).padStart(4, '0'));
    break;
}
case 'pdu':
    out(String(client.PDULength()));
    break;
case 'listblocks': {
    const r = client.ListBlocks();
    if (!r) die();
    for (const k of Object.keys(r)) out(k.replace(/Count$/, '') + '=' + String(r[k]));
    break;
}
case 'blocksoftype': {
    const r = client.ListBlocksOfType(plan.type);
    if (!r) die();
    for (const n of r) out(String(n));
    break;
}
case 'blockinfo': {
    const r = client.GetAgBlockInfo(plan.type, plan.n);
    if (!r) die();
    for (const k of Object.keys(r)) out(k + '=' + String(r[k]).trim());
    break;
}
case 'fullupload': {
    const r = client.FullUpload(plan.type, plan.n, 65536);
    if (!r) die();
    out(Buffer.from(r).toString('hex'));
    break;
}
case 'download':
    if (!client.Download(plan.n, plan.data)) die();
    break;
case 'dbget': {
    const r = client.DBGet(plan.db);
    if (!r) die();
    out(Buffer.from(r).toString('hex'));
    break;
}
case 'start':
    if (!client.PlcHotStart()) die();
    break;
}
client.Disconnect();
process.exit(0);
