#!/usr/bin/env node
/* A scripted S7 peer on loopback for CLI tests of faults a Snap7 server cannot show
 * (node, no dependencies).
 *
 *   node fake_plc.js PORT [--mode MODE] [--amq N] [--pdu N] [--good-tsap HHHH] [--log]
 *                    [--watch-pid PID] [--setup-delay MS]
 *
 * Answers a COTP CR with a 22-byte CC that echoes the CR's parameters, Setup Communication
 * with a 27-byte Ack_Data (PDU min(asked, --pdu 480), AmQ min(asked, --amq 8)), and then per
 * MODE (--setup-delay MS: the setup's answer MS late, for clients that time out):
 *   put-get-off (default)  every Read/Write Var job: 12-byte Ack 32 02 0000 <ref> 0000 0000
 *                          81 04 (TPKT length 0x13), as an S7-1200/1500 with PUT/GET disabled
 *   ok                     a small CPU: DB1 (256 bytes, byte i = i & 0xFF), M/I/Q 256 bytes
 *                          each, zero; missing DBs item 0x0A, past the end item 0x05
 *   optimized              every DB item: return code 0x05 (even at offset 0); others as ok
 *   missing-db             every DB item: return code 0x0A; others as ok
 *   protected              every item: return code 0x03 (access not allowed)
 *   pdu-exceeded           every Read/Write Var job: Ack with error 0x85 0x00
 *   refuse-second-write    as ok, but the second Write Var job of a connection gets the Ack
 *                          0x85 0x00 (a write split over PDUs lands in part)
 *   close-after-cr         closes the TCP connection right after the CR (no CC)
 *   close-after-setup      closes right after the Setup Communication request
 *   silent                 never answers Read/Write Var jobs
 *   drop-after-N           as ok, but closes each connection after its N-th Read/Write job
 *                          (e.g. drop-after-3), to test reconnects, or a call whose first
 *                          requests were answered before the connection ended
 *   silent-after-N         as ok, but never answers the Read/Write jobs after a connection's
 *                          N-th (a call whose first requests were answered, then times out)
 *   refuse-after-N         as ok, but answers the Read/Write jobs after a connection's N-th
 *                          with the Ack 0x85 0x00 (a header error on a later request)
 * Replies that do not conform to what was asked (the CPU's memory as in ok):
 *   wrong-length           every read item with data answers 4 bytes more than asked (item
 *                          code 0xFF, transport size 0x04, the length field in bits covering
 *                          them: 5 bytes for a 1-byte read)
 *   bad-tsize              byte-wise read items carry transport size 0x04 with the length in
 *                          bytes instead of bits (1 for a 1-byte read)
 *   bad-szl                every SZL read is answered with a list header for the list asked
 *                          (28-byte records, 3 of them) followed by 10 bytes of records
 *   wild-szl               SZL 0x0131/0x0132/0x0232 answered with figures no CPU reports:
 *                          protection level 8245, connections 21303 at most and 32411 in use
 *                          (other SZLs 0xD402)
 *   wrong-ref              as ok, but every Read/Write Var reply carries the request's PDU
 *                          reference plus one (a reply to a request nobody sent)
 *   garbage                every Read/Write Var job: a COTP DT whose payload is no S7 PDU
 *                          (de ad be ef 00 01 02 03)
 *   garbage-tpkt           every Read/Write Var job: bytes that are no TPKT ("HTTP/1.1 200 OK")
 *   fewer-items            as ok, but a Read/Write Var reply to two or more items leaves out
 *                          its last item (a request of one item is answered in full, so a
 *                          client that asks again item by item gets every answer)
 *   no-items               as ok, but every Read/Write Var reply answers no item (count 0)
 *   setup-fails            accepts the CR, answers the Setup Communication with an Ack error
 *                          0x84 0x04; with --good-tsap HHHH a connection whose called TSAP is
 *                          HHHH is served as in ok
 * Userdata requests otherwise always get a Userdata reply with an error: 0xD402 (SZL not
 * available) for group 4, 0x8104 for the other groups.  Unknown Job functions get the 81 04
 * Ack.
 * A COTP DR gets a DC and the connection is closed.
 *
 * Prints "READY <port>" on stdout once listening.  Stops on SIGTERM/SIGINT, or when the
 * process --watch-pid names is gone.  --log prints every frame on stderr.
 * Exit codes: 0 clean stop, 2 bad arguments, 3 cannot listen. */
'use strict';

const net = require('net');

function usage(msg) {
    if (msg) process.stderr.write('fake_plc: ' + msg + '\n');
    process.stderr.write('usage: fake_plc.js PORT [--mode put-get-off|ok|optimized|missing-db|' +
        'protected|pdu-exceeded|close-after-cr|close-after-setup|silent|drop-after-N|silent-after-N|' +
        'refuse-after-N|fewer-items|no-items|' +
        'wrong-length|bad-tsize|bad-szl|wild-szl|setup-fails|wrong-ref|garbage|garbage-tpkt] ' +
        '[--amq N] [--pdu N] [--good-tsap HHHH] [--setup-delay MS] [--log] [--watch-pid PID]\n');
    process.exit(2);
}

const opt = { port: null, mode: 'put-get-off', amq: 8, pdu: 480, log: false, watchPid: 0,
    dropAfter: 0, silentAfter: 0, refuseAfter: 0, goodTsap: -1 };
const MODES = ['put-get-off', 'ok', 'optimized', 'missing-db', 'protected', 'pdu-exceeded', 'refuse-second-write',
    'close-after-cr', 'close-after-setup', 'silent', 'wrong-length', 'bad-tsize', 'bad-szl',
    'wild-szl', 'setup-fails', 'wrong-ref', 'garbage', 'garbage-tpkt', 'fewer-items', 'no-items'];

function intArg(s, what, lo, hi) {
    if (!/^[0-9]+$/.test(s || '')) usage(what + ': not a number: ' + s);
    const v = Number(s);
    if (v < lo || v > hi) usage(what + ': must be ' + lo + '..' + hi);
    return v;
}

const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
        if (i + 1 >= argv.length) usage(a + ' needs a value');
        return argv[++i];
    };
    if (a === '--mode') opt.mode = val();
    else if (a === '--amq') opt.amq = intArg(val(), '--amq', 1, 255);
    else if (a === '--pdu') opt.pdu = intArg(val(), '--pdu', 240, 960);
    else if (a === '--log') opt.log = true;
    else if (a === '--setup-delay') opt.setupDelay = intArg(val(), '--setup-delay', 0, 60000);
    else if (a === '--good-tsap') {
        const v = val();
        if (!/^[0-9a-fA-F]{4}$/.test(v)) usage('--good-tsap: expected 4 hex digits, e.g. 0302');
        opt.goodTsap = parseInt(v, 16);
    }
    else if (a === '--watch-pid') opt.watchPid = intArg(val(), '--watch-pid', 1, 0x7fffffff);
    else if (a === '--port') opt.port = intArg(val(), '--port', 1, 65535);
    else if (/^[0-9]+$/.test(a) && opt.port === null) opt.port = intArg(a, 'PORT', 1, 65535);
    else usage('unknown argument ' + a);
}
if (opt.port === null) usage('PORT missing');
{
    const m = /^(drop|silent|refuse)-after-([0-9]+)$/.exec(opt.mode);
    if (m) {
        opt[m[1] + 'After'] = Number(m[2]);
        if (Number(m[2]) < 1) usage(m[1] + '-after-N: N must be >= 1');
    } else if (!MODES.includes(opt.mode)) {
        usage('unknown mode ' + opt.mode);
    }
}

function log(dir, buf) {
    if (opt.log) process.stderr.write(dir + ' ' + buf.toString('hex').replace(/(..)/g, '$1 ') + '\n');
}

/* ---------------------------------------------------------------- memory of the "ok" CPU */
const AREA_DB = 0x84, AREA_I = 0x81, AREA_Q = 0x82, AREA_M = 0x83;
const mem = new Map();
{
    const db1 = Buffer.alloc(256);
    for (let i = 0; i < db1.length; i++) db1[i] = i & 0xff;
    mem.set('db1', db1);
    mem.set('m', Buffer.alloc(256));
    mem.set('i', Buffer.alloc(256));
    mem.set('q', Buffer.alloc(256));
}
function areaBuf(area, db) {
    if (area === AREA_DB) return mem.get('db' + db) || null;
    if (area === AREA_M) return mem.get('m');
    if (area === AREA_I) return mem.get('i');
    if (area === AREA_Q) return mem.get('q');
    return null;
}

/* Bytes per element of a request transport size. */
function elemSize(ts) {
    switch (ts) {
    case 0x01: case 0x02: case 0x03: return 1;
    case 0x04: case 0x05: case 0x1c: case 0x1d: case 0x09: case 0x0c: return 2;
    case 0x06: case 0x07: case 0x08: case 0x0a: case 0x0b: return 4;
    case 0x0f: return 8;
    default: return 0;
    }
}
/* Data transport size and length field for a reply item. */
function dataTs(ts, nbytes) {
    if (ts === 0x01) return [0x03, 1];
    if (ts === 0x02 || ts === 0x04 || ts === 0x06) return [0x04, nbytes * 8];
    if (ts === 0x05 || ts === 0x07) return [0x05, nbytes * 8];
    if (ts === 0x08) return [0x07, nbytes];
    return [0x09, nbytes];
}

/* The return code a spec gets in the current mode, and where its bytes live. */
function resolve(spec) {
    if (opt.mode === 'protected') return { rc: 0x03 };
    if (spec.area === AREA_DB && opt.mode === 'optimized') return { rc: 0x05 };
    if (spec.area === AREA_DB && opt.mode === 'missing-db') return { rc: 0x0a };
    const buf = areaBuf(spec.area, spec.db);
    if (!buf) return { rc: 0x0a };
    const es = elemSize(spec.ts);
    if (!es) return { rc: 0x06 };
    if (spec.ts === 0x01) {
        const byte = spec.addr >> 3;
        if (spec.count !== 1 || byte >= buf.length) return { rc: 0x05 };
        return { rc: 0xff, buf, byte, bit: spec.addr & 7, nbytes: 1 };
    }
    if (spec.addr & 7) return { rc: 0x05 };
    const byte = spec.addr >> 3, nbytes = es * spec.count;
    if (byte + nbytes > buf.length) return { rc: 0x05 };
    return { rc: 0xff, buf, byte, nbytes };
}

/* ---------------------------------------------------------------- frames */
function frame(s7) {
    const f = Buffer.alloc(7 + s7.length);
    f.writeUInt8(3, 0);
    f.writeUInt16BE(f.length, 2);
    f.writeUInt8(2, 4);
    f.writeUInt8(0xf0, 5);
    f.writeUInt8(0x80, 6);
    s7.copy(f, 7);
    return f;
}
function ackError(ref, cls, code) {
    return frame(Buffer.from([0x32, 0x02, 0, 0, ref >> 8, ref & 0xff, 0, 0, 0, 0, cls, code]));
}
function ackData(ref, param, data) {
    const h = Buffer.from([0x32, 0x03, 0, 0, ref >> 8, ref & 0xff, param.length >> 8,
        param.length & 0xff, data.length >> 8, data.length & 0xff, 0, 0]);
    return frame(Buffer.concat([h, param, data]));
}

let nextConnId = 1;

/* The called TSAP (parameter 0xC2) of a CR frame, -1 when absent. */
function calledTsap(f) {
    for (let o = 11; o + 2 <= f.length;) {
        const code = f[o], len = f[o + 1];
        if (o + 2 + len > f.length) break;
        if (code === 0xc2 && len === 2) return f.readUInt16BE(o + 2);
        o += 2 + len;
    }
    return -1;
}

function serve(sock) {
    const id = nextConnId++;
    let rx = Buffer.alloc(0), dt = [], pdu = opt.pdu, jobs = 0, writes = 0, setupDone = false, closed = false;
    let mode = opt.mode; /* setup-fails: 'ok' for the --good-tsap connection */

    function send(buf) {
        if (closed) return;
        log('>> ' + id, buf);
        sock.write(buf);
    }
    function close() {
        if (closed) return;
        closed = true;
        sock.destroy();
    }

    function onCR(f) {
        if (opt.mode === 'close-after-cr') return close();
        if (opt.mode === 'setup-fails' && calledTsap(f) === opt.goodTsap) mode = 'ok';
        const cc = Buffer.from(f);
        cc.writeUInt8(0xd0, 5);
        cc.writeUInt16BE(f.readUInt16BE(8), 6); /* dst-ref := CR src-ref */
        cc.writeUInt16BE(0x0001, 8);
        send(cc);
    }

    function onSetup(ref, p) {
        if (opt.mode === 'close-after-setup') return close();
        if (mode === 'setup-fails') return send(ackError(ref, 0x84, 0x04));
        const amqCalling = p.readUInt16BE(2), amqCalled = p.readUInt16BE(4), asked = p.readUInt16BE(6);
        pdu = Math.min(asked, opt.pdu);
        const param = Buffer.from([0xf0, 0, 0, 0, 0, 0, pdu >> 8, pdu & 0xff]);
        param.writeUInt16BE(Math.max(1, Math.min(amqCalling, opt.amq)), 2);
        param.writeUInt16BE(Math.max(1, Math.min(amqCalled, opt.amq)), 4);
        const answer = () => { setupDone = true; send(ackData(ref, param, Buffer.alloc(0))); };
        if (opt.setupDelay > 0) setTimeout(answer, opt.setupDelay); /* a slow setup */
        else answer();
    }

    function specs(p, n) {
        const out = [];
        for (let i = 0; i < n; i++) {
            const o = 2 + 12 * i;
            if (o + 12 > p.length || p[o] !== 0x12 || p[o + 2] !== 0x10) return null;
            out.push({ ts: p[o + 3], count: p.readUInt16BE(o + 4), db: p.readUInt16BE(o + 6),
                area: p[o + 8], addr: (p[o + 9] << 16) | (p[o + 10] << 8) | p[o + 11] });
        }
        return out;
    }

    function onRead(ref, p) {
        const sp = specs(p, p[1]);
        if (!sp) return send(ackError(ref, 0x84, 0x04));
        const parts = [], itemBufs = [];
        let size = 14;
        sp.forEach((s, i) => {
            const r = resolve(s);
            if (r.rc !== 0xff) {
                parts.push(Buffer.from([r.rc, 0, 0, 0]));
                itemBufs.push(parts[parts.length - 1]);
                size += 4;
                return;
            }
            let data;
            if (s.ts === 0x01) data = Buffer.from([(r.buf[r.byte] >> r.bit) & 1]);
            else data = Buffer.from(r.buf.subarray(r.byte, r.byte + r.nbytes));
            let [dts, lf] = dataTs(s.ts, data.length);
            if (opt.mode === 'wrong-length') { /* 4 bytes more than asked, coded consistently */
                data = Buffer.concat([data, Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
                [dts, lf] = [0x04, data.length * 8];
            } else if (opt.mode === 'bad-tsize' && dts === 0x04) {
                lf = data.length; /* the byte count where 0x04 counts bits */
            }
            const h = Buffer.from([0xff, dts, lf >> 8, lf & 0xff]);
            const fill = data.length % 2 && i < sp.length - 1 ? Buffer.alloc(1) : Buffer.alloc(0);
            parts.push(h, data, fill);
            itemBufs.push(Buffer.concat([h, data, fill]));
            size += 4 + data.length + fill.length;
        });
        if (size > pdu) return send(ackError(ref, 0x85, 0x00));
        if ((opt.mode === 'fewer-items' && sp.length > 1) || opt.mode === 'no-items') {
            const keep = opt.mode === 'no-items' ? 0 : sp.length - 1;
            return send(ackData(ref, Buffer.from([0x04, keep]), Buffer.concat(itemBufs.slice(0, keep))));
        }
        send(ackData(ref, Buffer.from([0x04, sp.length]), Buffer.concat(parts)));
    }

    function onWrite(ref, p, d) {
        const sp = specs(p, p[1]);
        if (!sp) return send(ackError(ref, 0x84, 0x04));
        const rcs = Buffer.alloc(sp.length);
        let o = 0;
        sp.forEach((s, i) => {
            if (o + 4 > d.length) { rcs[i] = 0x07; return; }
            const dts = d[o + 1], lf = d.readUInt16BE(o + 2);
            const nb = (dts === 0x03 || dts === 0x04 || dts === 0x05) ? (lf + 7) >> 3 : lf;
            const data = d.subarray(o + 4, o + 4 + nb);
            o += 4 + nb + (nb % 2 && i < sp.length - 1 ? 1 : 0);
            const r = resolve(s);
            if (r.rc !== 0xff) { rcs[i] = r.rc; return; }
            if (data.length !== r.nbytes) { rcs[i] = 0x07; return; }
            if (s.ts === 0x01) {
                if (data[0] & 1) r.buf[r.byte] |= 1 << r.bit;
                else r.buf[r.byte] &= ~(1 << r.bit);
            } else {
                data.copy(r.buf, r.byte);
            }
            rcs[i] = 0xff;
        });
        if ((opt.mode === 'fewer-items' && sp.length > 1) || opt.mode === 'no-items') {
            const keep = opt.mode === 'no-items' ? 0 : sp.length - 1;
            return send(ackData(ref, Buffer.from([0x05, keep]), rcs.subarray(0, keep)));
        }
        send(ackData(ref, Buffer.from([0x05, sp.length]), rcs));
    }

    /* The SZL answer of the bad-szl / wild-szl modes for SZL id/index, or null (0xD402). */
    function szlPayload(szl, index) {
        const hdr = (len, n) => {
            const h = Buffer.alloc(8);
            h.writeUInt16BE(szl, 0);
            h.writeUInt16BE(index, 2);
            h.writeUInt16BE(len, 4);
            h.writeUInt16BE(n, 6);
            return h;
        };
        if (opt.mode === 'bad-szl') /* 3 records of 28 bytes announced, 10 bytes sent */
            return Buffer.concat([hdr(28, 3), Buffer.alloc(10, 0x20)]);
        if (opt.mode !== 'wild-szl') return null;
        const rec = Buffer.alloc(40);
        rec.writeUInt16BE(index, 0);
        if (szl === 0x0131 && index === 1) {
            rec.writeUInt16BE(480, 2); /* largest PDU: plausible */
            rec.writeUInt16BE(21303, 4); /* connections at most */
        } else if (szl === 0x0132 && index === 1) {
            rec.writeUInt16BE(32411, 6); /* u_pg: connections in use */
        } else if (szl === 0x0232 && index === 4) {
            rec.writeUInt16BE(8245, 6); /* sch_rel: the protection level */
            rec.writeUInt16BE(2, 8); /* the mode switch: RUN-P */
        } else {
            return null;
        }
        return Buffer.concat([hdr(40, 1), rec]);
    }

    function onUserdata(ref, p, d) {
        const group = p.length > 5 ? p[5] & 0x0f : 0, sub = p.length > 6 ? p[6] : 0,
            seq = p.length > 7 ? p[7] : 0;
        if (group === 4 && sub === 1 && d.length >= 8) {
            const payload = szlPayload(d.readUInt16BE(4), d.readUInt16BE(6));
            if (payload) {
                const param = Buffer.from([0x00, 0x01, 0x12, 0x08, 0x12, 0x84, sub, seq, 0, 0, 0,
                    0]);
                const data = Buffer.concat([Buffer.from([0xff, 0x09, payload.length >> 8,
                    payload.length & 0xff]), payload]);
                const h = Buffer.from([0x32, 0x07, 0, 0, ref >> 8, ref & 0xff, 0, param.length,
                    data.length >> 8, data.length & 0xff]);
                return send(frame(Buffer.concat([h, param, data])));
            }
        }
        const err = group === 4 ? 0xd402 : 0x8104;
        const param = Buffer.from([0x00, 0x01, 0x12, 0x08, 0x12, 0x80 | group, sub, seq, 0, 0,
            err >> 8, err & 0xff]);
        const data = Buffer.from([0x0a, 0, 0, 0]);
        const h = Buffer.from([0x32, 0x07, 0, 0, ref >> 8, ref & 0xff, 0, param.length, 0, data.length]);
        send(frame(Buffer.concat([h, param, data])));
    }

    function onPdu(s7) {
        if (s7.length < 10 || s7[0] !== 0x32) return close();
        const rosctr = s7[1], ref = s7.readUInt16BE(4), plen = s7.readUInt16BE(6),
            dlen = s7.readUInt16BE(8);
        const p = s7.subarray(10, 10 + plen), d = s7.subarray(10 + plen, 10 + plen + dlen);
        if (rosctr === 0x07) return onUserdata(ref, p, d);
        if (rosctr !== 0x01 || p.length < 1) return close();
        if (p[0] === 0xf0) return onSetup(ref, p);
        if (!setupDone) return close();
        if (p[0] !== 0x04 && p[0] !== 0x05) return send(ackError(ref, 0x81, 0x04));
        jobs++;
        if (opt.dropAfter && jobs > opt.dropAfter) return close();
        if (opt.silentAfter && jobs > opt.silentAfter) return undefined;
        if (opt.refuseAfter && jobs > opt.refuseAfter) return send(ackError(ref, 0x85, 0x00));
        switch (mode) {
        case 'put-get-off':
            return send(ackError(ref, 0x81, 0x04));
        case 'pdu-exceeded':
            return send(ackError(ref, 0x85, 0x00));
        case 'refuse-second-write':
            if (p[0] === 0x05 && ++writes === 2) return send(ackError(ref, 0x85, 0x00));
            return p[0] === 0x04 ? onRead(ref, p) : onWrite(ref, p, d);
        case 'silent':
            return undefined;
        case 'wrong-ref':
            return p[0] === 0x04 ? onRead((ref + 1) & 0xffff, p) : onWrite((ref + 1) & 0xffff, p, d);
        case 'garbage':
            return send(Buffer.from([3, 0, 0, 15, 2, 0xf0, 0x80, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]));
        case 'garbage-tpkt':
            return send(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
        default:
            return p[0] === 0x04 ? onRead(ref, p) : onWrite(ref, p, d);
        }
    }

    function onFrame(f) {
        log('<< ' + id, f);
        if (f.length < 6) return close();
        const code = f[5] & 0xf0;
        if (code === 0xe0) return onCR(f);
        if (code === 0x80) { /* DR -> DC */
            send(Buffer.from([3, 0, 0, 10, 5, 0xc0, f[8], f[9], f[6], f[7]]));
            return close();
        }
        if (code !== 0xf0 || f.length < 7) return close();
        dt.push(f.subarray(7));
        if (!(f[6] & 0x80)) return undefined; /* more fragments follow */
        const s7 = Buffer.concat(dt);
        dt = [];
        if (s7.length === 0) return undefined;
        return onPdu(s7);
    }

    sock.setNoDelay(true);
    sock.on('data', (chunk) => {
        rx = Buffer.concat([rx, chunk]);
        while (!closed && rx.length >= 4) {
            if (rx[0] !== 3) return close();
            const len = rx.readUInt16BE(2);
            if (len < 7) return close();
            if (rx.length < len) break;
            const f = rx.subarray(0, len);
            rx = rx.subarray(len);
            onFrame(Buffer.from(f));
        }
        return undefined;
    });
    sock.on('error', () => close());
    sock.on('close', () => { closed = true; });
}

const server = net.createServer(serve);
server.on('error', (e) => {
    process.stderr.write('fake_plc: cannot listen on 127.0.0.1:' + opt.port + ': ' + e.message + '\n');
    process.exit(3);
});
server.listen(opt.port, '127.0.0.1', () => {
    process.stdout.write('READY ' + server.address().port + '\n');
});

function stop() {
    server.close();
    process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (opt.watchPid) {
    setInterval(() => {
        try {
            process.kill(opt.watchPid, 0);
        } catch (e) {
            stop();
        }
    }, 500).unref();
}
