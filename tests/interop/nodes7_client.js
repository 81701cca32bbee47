#!/usr/bin/env node
/* nodes7 client (pure-JS S7 client with its own packing and parallel jobs) for shell tests.
 *
 *   node nodes7_client.js [--rack R] [--slot S] [--timeout MS] [--debug] HOST:PORT CMD ARGS...
 *
 *   read ADDR...          one line per address: ADDR=<value as JSON>; a bad item prints
 *                         ADDR=<nodes7 quality, e.g. "BAD 255"> and the exit code is 1
 *   write ADDR=JSON...    writes all in one writeItems call (values are JSON: 5, true, 1.5,
 *                         [1,2], "text")
 *
 * ADDR uses nodes7's syntax: DB1,BYTE0.4  DB1,INT2  DB1,REAL4  DB1,X14.0  MB16  M20.0  MR4
 * IB0  QB0  (see node_modules/nodes7/README.md).  Exit 0 on success, 1 on a failure
 * (message on stderr), 2 for a usage error. */
'use strict';

let NodeS7;
try {
    NodeS7 = require('nodes7');
} catch (e) {
    process.stderr.write('nodes7_client: nodes7 not installed (run scripts/deps.sh): ' + e.message + '\n');
    process.exit(2);
}

function usage(msg) {
    if (msg) process.stderr.write('nodes7_client: ' + msg + '\n');
    process.stderr.write('usage: nodes7_client.js [--rack R --slot S --timeout MS --debug] ' +
        'HOST:PORT read ADDR... | write ADDR=JSON...\n');
    process.exit(2);
}

let rack = 0, slot = 1, timeout = 5000, debug = false;
const argv = process.argv.slice(2);
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i++) {
    const a = argv[i];
    if (a === '--debug') { debug = true; continue; }
    const v = argv[++i];
    if (v === undefined || !/^[0-9]+$/.test(v)) usage(a + ' needs a number');
    if (a === '--rack') rack = Number(v);
    else if (a === '--slot') slot = Number(v);
    else if (a === '--timeout') timeout = Number(v);
    else usage('unknown option ' + a);
}
const target = argv[i++];
const cmd = argv[i++];
const args = argv.slice(i);
if (!target || !cmd || args.length === 0) usage();
const m = /^(.+):([0-9]+)$/.exec(target);
if (!m) usage('target must be HOST:PORT');

let addrs = [], values = [];
if (cmd === 'read') {
    addrs = args;
} else if (cmd === 'write') {
    for (const a of args) {
        const k = a.indexOf('=');
        if (k <= 0) usage('write takes ADDR=JSON');
        addrs.push(a.slice(0, k));
        try { values.push(JSON.parse(a.slice(k + 1))); } catch (e) { usage('bad JSON value in ' + a); }
    }
} else {
    usage('unknown command ' + cmd);
}

const conn = new NodeS7({ silent: !debug, debug: debug });
const guard = setTimeout(() => {
    process.stderr.write('error: nodes7: no answer within ' + (timeout * 2) + ' ms\n');
    process.exit(1);
}, timeout * 2);

function done(rc) {
    clearTimeout(guard);
    conn.dropConnection(() => process.exit(rc));
}

conn.initiateConnection({ host: m[1], port: Number(m[2]), rack: rack, slot: slot, timeout: timeout },
    (err) => {
        if (err !== undefined) {
            process.stderr.write('error: nodes7 connect: ' + (err.code || err.message || JSON.stringify(err)) + '\n');
            clearTimeout(guard);
            process.exit(1);
        }
        if (cmd === 'read') {
            conn.addItems(addrs);
            conn.readAllItems((bad, vals) => {
                for (const a of addrs) {
                    let v = vals[a];
                    if (Buffer.isBuffer(v)) v = v.toString('hex');
                    process.stdout.write(a + '=' + JSON.stringify(v) + '\n');
                }
                if (bad) process.stderr.write('error: nodes7: some items could not be read\n');
                done(bad ? 1 : 0);
            });
        } else {
            const rc = conn.writeItems(addrs, values, (bad) => {
                if (bad) process.stderr.write('error: nodes7: write failed\n');
                done(bad ? 1 : 0);
            });
            if (rc !== 0) {
                process.stderr.write('error: nodes7: write not queued\n');
                done(1);
            }
        }
    });
