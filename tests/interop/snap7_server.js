#!/usr/bin/env node
/* Snap7 server (node-snap7's S7Server) on loopback, the reference peer for interop tests.
 *
 *   node snap7_server.js --port P [--host 127.0.0.1] [--fixture standard]
 *        [--db N:SIZE[:FILL]]... [--area MK|PE|PA|TM|CT:SIZE[:FILL]]...
 *        [--cpu-status run|stop] [--pdu N] [--watch-pid PID] [--log]
 *
 * FILL: zero (default), pattern (byte i = i & 0xFF) or a hex string written at the start.
 * Prints exactly "READY <port>" on stdout once listening.  Stops cleanly on SIGTERM, SIGINT,
 * EOF on stdin when stdin is a pipe or socket (a background job's /dev/null is ignored), or
 * when process PID (--watch-pid, e.g. the test shell) has gone, even if it was SIGKILLed.
 * Exit codes: 0 clean stop, 2 bad arguments, 3 cannot listen (port in use), 1 other errors.
 * See README.md in this directory. */
'use strict';

const fs = require('fs');
let snap7;
try {
    snap7 = require('node-snap7');
} catch (e) {
    process.stderr.write('snap7_server: node-snap7 not installed (run scripts/deps.sh): ' + e.message + '\n');
    process.exit(1);
}

function usage(msg) {
    if (msg) process.stderr.write('snap7_server: ' + msg + '\n');
    process.stderr.write('usage: snap7_server.js --port P [--host H] [--fixture standard] ' +
        '[--db N:SIZE[:FILL]]... [--area MK|PE|PA|TM|CT:SIZE[:FILL]]... ' +
        '[--cpu-status run|stop] [--pdu N] [--watch-pid PID] [--log]\n');
    process.exit(2);
}

const MAX_AREA = 65535; /* node-snap7 RegisterArea refuses larger buffers */

/* Buffer of size bytes filled as fill says. */
function makeBuffer(size, fill, what) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_AREA)
        usage(what + ': size must be 1..' + MAX_AREA);
    const b = Buffer.alloc(size);
    if (fill === undefined || fill === '' || fill === 'zero') return b;
    if (fill === 'pattern') {
        for (let i = 0; i < size; i++) b[i] = i & 0xff;
        return b;
    }
    const hex = fill.replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) usage(what + ': FILL must be zero, pattern or hex bytes');
    const h = Buffer.from(hex, 'hex');
    if (h.length > size) usage(what + ': hex fill longer than the area');
    h.copy(b, 0);
    return b;
}

function parseIntStrict(s, what) {
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s || '')) usage(what + ': not a number: ' + s);
    return Number(s);
}

const AREA_CODES = { PE: 'srvAreaPE', PA: 'srvAreaPA', MK: 'srvAreaMK', CT: 'srvAreaCT', TM: 'srvAreaTM' };

const STANDARD = {
    dbs: [[1, 1024, 'pattern'], [2, 5, 'zero'], [3, 65535, 'pattern'], [10, 256, 'zero']],
    areas: [['MK', 256, 'pattern'], ['PE', 256, 'pattern'], ['PA', 256, 'zero'],
        ['TM', 512, 'zero'], ['CT', 512, 'zero']],
};

const opt = { host: '127.0.0.1', port: null, dbs: new Map(), areas: new Map(), log: false,
    cpuStatus: null, pdu: null, watchPid: null };

function addDb(n, size, fill) {
    if (!Number.isInteger(n) || n < 1 || n > 65535) usage('--db: DB number must be 1..65535');
    opt.dbs.set(n, makeBuffer(size, fill, 'DB' + n));
}
function addArea(name, size, fill) {
    if (!AREA_CODES[name]) usage('--area: unknown area ' + name + ' (MK PE PA TM CT)');
    opt.areas.set(name, makeBuffer(size, fill, name));
}

const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
        if (i + 1 >= argv.length) usage(a + ' needs a value');
        return argv[++i];
    };
    switch (a) {
    case '--port': opt.port = parseIntStrict(val(), '--port'); break;
    case '--host': opt.host = val(); break;
    case '--log': opt.log = true; break;
    case '--pdu': opt.pdu = parseIntStrict(val(), '--pdu'); break;
    case '--watch-pid': opt.watchPid = parseIntStrict(val(), '--watch-pid'); break;
    case '--cpu-status': {
        const v = val();
        if (v !== 'run' && v !== 'stop') usage('--cpu-status must be run or stop');
        opt.cpuStatus = v;
        break;
    }
    case '--fixture': {
        const v = val();
        if (v !== 'standard') usage('unknown fixture ' + v + ' (standard)');
        for (const [n, s, f] of STANDARD.dbs) addDb(n, s, f);
        for (const [n, s, f] of STANDARD.areas) addArea(n, s, f);
        break;
    }
    case '--db': {
        const p = val().split(':');
        if (p.length < 2 || p.length > 3) usage('--db N:SIZE[:FILL]');
        addDb(parseIntStrict(p[0], '--db'), parseIntStrict(p[1], '--db'), p[2]);
        break;
    }
    case '--area': {
        const p = val().split(':');
        if (p.length < 2 || p.length > 3) usage('--area NAME:SIZE[:FILL]');
        addArea(p[0].toUpperCase(), parseIntStrict(p[1], '--area'), p[2]);
        break;
    }
    case '-h': case '--help': usage(); break;
    default: usage('unknown argument ' + a);
    }
}
if (opt.port === null || opt.port < 1 || opt.port > 65535) usage('--port P is required (1..65535)');

const server = new snap7.S7Server();

function logEvent(ev) {
    let text;
    try { text = server.EventText(ev); } catch (e) { text = JSON.stringify(ev); }
    process.stderr.write('snap7_server: ' + text + '\n');
}

if (opt.log) {
    server.on('event', logEvent);
    server.SetEventMask(server.evcAll >>> 0);
} else {
    server.SetEventMask(0);
}

for (const [n, buf] of opt.dbs) {
    if (!server.RegisterArea(server.srvAreaDB, n, buf)) {
        process.stderr.write('snap7_server: RegisterArea DB' + n + ': ' + server.ErrorText(server.LastError()) + '\n');
        process.exit(1);
    }
}
for (const [name, buf] of opt.areas) {
    if (!server.RegisterArea(server[AREA_CODES[name]], buf)) {
        process.stderr.write('snap7_server: RegisterArea ' + name + ': ' + server.ErrorText(server.LastError()) + '\n');
        process.exit(1);
    }
}

if (!server.SetParam(server.LocalPort, opt.port)) {
    process.stderr.write('snap7_server: SetParam(LocalPort): ' + server.ErrorText(server.LastError()) + '\n');
    process.exit(1);
}
if (opt.pdu !== null && !server.SetParam(server.PDURequest, opt.pdu)) {
    process.stderr.write('snap7_server: SetParam(PDURequest): ' + server.ErrorText(server.LastError()) + '\n');
    process.exit(2);
}

if (!server.StartTo(opt.host)) {
    process.stderr.write('snap7_server: cannot listen on ' + opt.host + ':' + opt.port + ': ' +
        server.ErrorText(server.LastError()) + '\n');
    process.exit(3);
}

if (opt.cpuStatus !== null)
    server.SetCpuStatus(opt.cpuStatus === 'run' ? server.S7CpuStatusRun : server.S7CpuStatusStop);

let stopping = false;
function shutdown(why) {
    if (stopping) return;
    stopping = true;
    if (opt.log) process.stderr.write('snap7_server: stopping (' + why + ')\n');
    try { server.Stop(); } catch (e) { /* already stopped */ }
    process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => shutdown('SIGHUP'));

/* Follow stdin only when it is a pipe or socket: the parent holding its end means "keep
 * running"; EOF (parent gone) means stop. */
let watchStdin = false;
try {
    const st = fs.fstatSync(0);
    watchStdin = st.isFIFO() || st.isSocket();
} catch (e) { /* stdin closed */ }
if (watchStdin) {
    process.stdin.on('data', () => {});
    process.stdin.on('end', () => shutdown('stdin EOF'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
}
if (opt.watchPid !== null) {
    setInterval(() => {
        try {
            process.kill(opt.watchPid, 0);
        } catch (e) {
            if (e.code === 'ESRCH') shutdown('process ' + opt.watchPid + ' gone');
        }
    }, 250);
}
/* Keep the event loop alive regardless of the addon's handles. */
setInterval(() => {}, 1 << 30);

process.stdout.write('READY ' + opt.port + '\n');
if (opt.log)
    process.stderr.write('snap7_server: listening on ' + opt.host + ':' + opt.port + ', DBs ' +
        [...opt.dbs.keys()].join(',') + ', areas ' + [...opt.areas.keys()].join(',') + '\n');
