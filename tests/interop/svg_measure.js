// Measures an s7 inventory report SVG in Debian's chromium, over the DevTools protocol on a
// pipe (--remote-debugging-pipe: fd 3 carries our commands, fd 4 the answers, each message
// JSON ended by a NUL byte), with no npm package: the browser lays the text out with the
// fonts it has, and getBBox() says how wide each text really is.  Prints one JSON object:
//   {partners, labels, connections, problems: [...]} where problems lists every
//   - text of a partner box that is not inside its box, partner box not inside its cell,
//   - label text that is not inside its label box,
//   - label box overlapping a partner box or another label box,
//   - arrow point (sampled every 2 px along the path) inside a partner box (shrunk by 1 px),
//   - arrow colour that is not the one of its data-check (pass green, fail red, unproven and
//     unchecked grey),
//   - router text outside its box, router box on a partner box, an interface's link through
//     a partner's box, an interface's text on a partner box, a label or another one.
// With FILE.html (the report's index.html) it measures the page in a 1400 x 1000 window
// instead: {diagram: {href, natural, shown, box, scroll_x}}: the diagram image's own width,
// the width it is shown at, its box's width and whether the box scrolls sideways.
// usage: node svg_measure.js CHROMIUM FILE.svg|FILE.html
'use strict';
const { spawn } = require('child_process');
const path = require('path');

const [chrome, file] = process.argv.slice(2);
if (!chrome || !file) {
    console.error('usage: node svg_measure.js CHROMIUM FILE.svg|FILE.html');
    process.exit(2);
}

const proc = spawn(chrome, ['--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe',
    '--no-first-run', '--no-default-browser-check', '--user-data-dir=' + path.join(path.dirname(file), '.chromium'),
    'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let stderr = '';
proc.stderr.on('data', (d) => { stderr += d; });

// the whole run is bounded: 40 s
const killer = setTimeout(() => {
    console.error('svg_measure: chromium did not answer within 40 s\n' + stderr.slice(-2000));
    proc.kill('SIGKILL');
    process.exit(3);
}, 40000);

let nextId = 1;
const waiting = new Map();
let buf = Buffer.alloc(0);
proc.stdio[4].on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    let z;
    while ((z = buf.indexOf(0)) >= 0) {
        const msg = JSON.parse(buf.slice(0, z).toString('utf8'));
        buf = buf.slice(z + 1);
        if (msg.id && waiting.has(msg.id)) {
            const { resolve, reject } = waiting.get(msg.id);
            waiting.delete(msg.id);
            if (msg.error) reject(new Error(JSON.stringify(msg.error)));
            else resolve(msg.result);
        }
    }
});
proc.on('exit', (code) => {
    for (const { reject } of waiting.values()) reject(new Error('chromium exited ' + code + '\n' + stderr.slice(-2000)));
});

function send(method, params, sessionId) {
    const id = nextId++;
    const m = { id, method, params: params || {} };
    if (sessionId) m.sessionId = sessionId;
    proc.stdio[3].write(JSON.stringify(m) + '\0');
    return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs in the page: the measurements and the problems.
function measure() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.documentElement;
    const box = (el) => { const b = el.getBBox(); return { x: b.x, y: b.y, w: b.width, h: b.height }; };
    const inside = (a, b, tol) => a.x >= b.x - tol && a.y >= b.y - tol && a.x + a.w <= b.x + b.w + tol && a.y + a.h <= b.y + b.h + tol;
    const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    const r1 = (v) => Math.round(v * 10) / 10;
    const groups = (cls) => Array.from(svg.querySelectorAll('g.' + cls));
    const problems = [];
    const cells = {};
    for (const g of groups('cell')) cells[g.getAttribute('data-name')] = box(g.querySelector('rect'));
    const partners = {};
    for (const g of groups('partner')) {
        const name = g.getAttribute('data-name');
        const r = box(g.querySelector('rect'));
        partners[name] = r;
        if (!inside(r, cells[g.getAttribute('data-cell')], 0)) problems.push(`partner ${name}: box outside its cell`);
        for (const t of g.querySelectorAll('text')) {
            const b = box(t);
            if (!inside(b, r, 0)) problems.push(`partner ${name}: text '${t.textContent}' (${r1(b.x)},${r1(b.y)} ${r1(b.w)}x${r1(b.h)}) not inside its box (${r1(r.x)},${r1(r.y)} ${r1(r.w)}x${r1(r.h)})`);
        }
    }
    for (const g of groups('cell')) {
        const r = cells[g.getAttribute('data-name')];
        for (const t of g.querySelectorAll('text')) {
            const b = box(t);
            if (!inside(b, r, 0)) problems.push(`cell ${g.getAttribute('data-name')}: text '${t.textContent}' not inside the cell`);
        }
    }
    const labels = {};
    for (const g of groups('label')) {
        const name = g.getAttribute('data-connection');
        const r = box(g.querySelector('rect'));
        labels[name] = r;
        const t = box(g.querySelector('text'));
        if (!inside(t, r, 0)) problems.push(`label ${name}: text ${r1(t.w)} px wide not inside its box ${r1(r.w)} px wide (x ${r1(t.x)}..${r1(t.x + t.w)} vs ${r1(r.x)}..${r1(r.x + r.w)})`);
        for (const [p, pr] of Object.entries(partners))
            if (overlap(r, pr)) problems.push(`label ${name}: overlaps the box of ${p}`);
    }
    const ln = Object.keys(labels);
    for (let i = 0; i < ln.length; i++)
        for (let j = i + 1; j < ln.length; j++)
            if (overlap(labels[ln[i]], labels[ln[j]])) problems.push(`label ${ln[i]}: overlaps label ${ln[j]}`);
    const want = { pass: 'rgb(46, 125, 50)', fail: 'rgb(198, 40, 40)', unproven: 'rgb(117, 117, 117)', unchecked: 'rgb(117, 117, 117)' };
    const connections = {};
    for (const g of groups('connection')) {
        const name = g.getAttribute('data-name');
        const p = g.querySelector('path.arrow');
        const stroke = getComputedStyle(p).stroke;
        const check = g.getAttribute('data-check') || '';
        connections[name] = { check, stroke, active: g.getAttribute('data-active'), passive: g.getAttribute('data-passive') };
        if (check && want[check] !== stroke) problems.push(`connection ${name}: ${check} drawn in ${stroke}, not ${want[check]}`);
        const len = p.getTotalLength();
        const hits = new Set();
        for (let s = 0; s <= len; s += 2) {
            const pt = p.getPointAtLength(s);
            for (const [pn, pr] of Object.entries(partners))
                if (pt.x > pr.x + 1 && pt.x < pr.x + pr.w - 1 && pt.y > pr.y + 1 && pt.y < pr.y + pr.h - 1) hits.add(pn);
        }
        for (const pn of hits) problems.push(`connection ${name}: its arrow runs through the box of ${pn}`);
        connections[name].length = r1(len);
    }
    // routers: their texts inside their box; the interfaces' links through no partner's box,
    // their texts on no partner box, label or other interface text
    const ifTexts = [];
    let routers = 0;
    for (const g of groups('router')) {
        routers++;
        const name = g.getAttribute('data-name');
        const r = box(g.querySelector(':scope > rect'));
        for (const t of g.querySelectorAll(':scope > text')) {
            const b = box(t);
            if (!inside(b, r, 0)) problems.push(`router ${name}: text '${t.textContent}' not inside its box`);
        }
        for (const [pn, pr] of Object.entries(partners))
            if (overlap(r, pr)) problems.push(`router ${name}: its box overlaps the box of ${pn}`);
        for (const gi of g.querySelectorAll('g.router-if')) {
            const p = gi.querySelector('path.link');
            const len = p.getTotalLength();
            for (let s = 0; s <= len; s += 2) {
                const pt = p.getPointAtLength(s);
                for (const [pn, pr] of Object.entries(partners))
                    if (pt.x > pr.x + 1 && pt.x < pr.x + pr.w - 1 && pt.y > pr.y + 1 && pt.y < pr.y + pr.h - 1) {
                        problems.push(`router ${name}: the link of ${gi.getAttribute('data-name')} runs through the box of ${pn}`);
                        s = len + 1;
                        break;
                    }
            }
            const t = gi.querySelector('text');
            const b = box(t);
            for (const [pn, pr] of Object.entries(partners))
                if (overlap(b, pr)) problems.push(`router ${name}: '${t.textContent}' overlaps the box of ${pn}`);
            for (const [ln2, lr] of Object.entries(labels))
                if (overlap(b, lr)) problems.push(`router ${name}: '${t.textContent}' overlaps label ${ln2}`);
            for (const o of ifTexts)
                if (overlap(b, o.b)) problems.push(`router ${name}: '${t.textContent}' overlaps '${o.text}'`);
            ifTexts.push({ b, text: t.textContent });
        }
    }
    for (const g of groups('readiness')) {
        const r = box(g.querySelector('rect')), t = box(g.querySelector('text'));
        if (!inside(t, r, 0)) problems.push(`readiness: '${g.querySelector('text').textContent}' not inside its box`);
        const title = box(svg.querySelector('text.title'));
        if (overlap(r, title)) problems.push('readiness: the banner overlaps the title');
    }
    const readiness = groups('readiness').map((g) => g.querySelector('text').textContent);
    const labelWidths = {};
    for (const g of groups('label')) labelWidths[g.getAttribute('data-connection')] = { text: r1(box(g.querySelector('text')).w), box: r1(labels[g.getAttribute('data-connection')].w) };
    return JSON.stringify({ font: getComputedStyle(svg.querySelector('text')).fontFamily, partners: Object.keys(partners).length, routers, readiness, interfaces: ifTexts.map((o) => o.text), labels: labelWidths, connections, problems });
}

function measureHtml() {
    const img = document.querySelector('.diagram img');
    if (!img) return JSON.stringify({ diagram: null });
    const box = img.closest('.diagram');
    const a = img.closest('a');
    return JSON.stringify({ diagram: { href: a ? a.getAttribute('href') : null, natural: img.naturalWidth,
        shown: Math.round(img.getBoundingClientRect().width), box: box.clientWidth,
        scroll_x: box.scrollWidth > box.clientWidth } });
}

const html = /\.html?$/.test(file);

(async () => {
    try {
        const { targetId } = await send('Target.createTarget', { url: 'file://' + path.resolve(file) });
        const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
        if (html)
            await send('Emulation.setDeviceMetricsOverride', { width: 1400, height: 1000, deviceScaleFactor: 1, mobile: false }, sessionId);
        let ready = false;
        for (let i = 0; i < 100 && !ready; i++) { // at most 10 s
            // about:blank is complete before the file arrives: wait for the SVG itself
            const r = await send('Runtime.evaluate', {
                expression: "document.readyState === 'complete' && location.protocol === 'file:' && " +
                    "!!document.documentElement && document.documentElement.localName === " + (html ? "'html'" : "'svg'"),
                returnByValue: true }, sessionId);
            ready = r.result.value === true;
            if (!ready) await sleep(100);
        }
        if (!ready) throw new Error((html ? 'the page' : 'the SVG') + ' did not load within 10 s');
        await send('Runtime.evaluate', { expression: 'document.fonts ? document.fonts.ready.then(() => 1) : 1', awaitPromise: true, returnByValue: true }, sessionId);
        const r = await send('Runtime.evaluate', { expression: '(' + (html ? measureHtml : measure).toString() + ')()', returnByValue: true }, sessionId);
        if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
        console.log(r.result.value);
        await send('Browser.close').catch(() => {});
        clearTimeout(killer);
        setTimeout(() => { proc.kill('SIGKILL'); process.exit(0); }, 200);
    } catch (e) {
        console.error('svg_measure: ' + e.message);
        proc.kill('SIGKILL');
        clearTimeout(killer);
        process.exit(3);
    }
})();
