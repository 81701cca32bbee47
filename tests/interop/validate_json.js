#!/usr/bin/env node
/* Validates a JSON document against one of s7kit's JSON Schemas (docs/schema/) with ajv, a
 * validator s7kit did not write.
 *
 *   node validate_json.js SCHEMA_DIR SCHEMA_NAME FILE [--lines]
 *
 * SCHEMA_NAME is e.g. s7-read (the file SCHEMA_DIR/s7-read.schema.json); every *.schema.json
 * in SCHEMA_DIR is added first so that $refs between them resolve.  --lines: FILE holds one
 * document per line (s7 watch --json); each non-empty line is validated.
 * Exit 0 when every document is valid; 1 with the errors on stderr; 2 on a usage error, an
 * unreadable file, text that is no JSON, or a schema ajv rejects. */
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020");

const args = process.argv.slice(2);
const lines = args.includes("--lines");
const pos = args.filter((a) => a !== "--lines");
if (pos.length !== 3) {
    console.error("usage: validate_json.js SCHEMA_DIR SCHEMA_NAME FILE [--lines]");
    process.exit(2);
}
const [dir, name, file] = pos;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
try {
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".schema.json")).sort())
        ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
} catch (e) {
    console.error(`validate_json: schema: ${e.message}`);
    process.exit(2);
}
let validate;
try {
    validate = ajv.getSchema(`${name}.schema.json`);
} catch (e) {
    console.error(`validate_json: schema ${name}: ${e.message}`);
    process.exit(2);
}
if (!validate) {
    console.error(`validate_json: no schema ${name}.schema.json in ${dir}`);
    process.exit(2);
}

let text;
try {
    text = fs.readFileSync(file, "utf8");
} catch (e) {
    console.error(`validate_json: ${file}: ${e.message}`);
    process.exit(2);
}
const docs = lines ? text.split("\n").filter((l) => l.trim() !== "") : [text];
if (docs.length === 0 || docs[0].trim() === "") {
    console.error(`validate_json: ${file}: empty`);
    process.exit(2);
}
let bad = 0;
docs.forEach((t, i) => {
    const where = lines ? `${file}:${i + 1}` : file;
    let doc;
    try {
        doc = JSON.parse(t);
    } catch (e) {
        console.error(`${where}: not JSON: ${e.message}`);
        process.exit(2);
    }
    if (!validate(doc)) {
        bad++;
        for (const e of validate.errors)
            console.error(`${where}: ${e.instancePath || "/"} ${e.message}` +
                          (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""));
    }
});
if (bad) {
    console.error(`${name}: ${bad} of ${docs.length} document(s) invalid`);
    process.exit(1);
}
console.log(`${name}: ${docs.length} document(s) valid`);
