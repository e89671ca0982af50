// Validate report files against the formats' own JSON schemas, with ajv:
//   node schema_check.js cyclonedx SCHEMA_DIR FILE...
//   node schema_check.js sarif SCHEMA_FILE FILE...
// CycloneDX: bom-1.5 (draft-07) with the spdx and jsf schemas it refers
// to, as @cyclonedx/cyclonedx-library ships them (its files are named
// *.SNAPSHOT.schema.json while their $id say *.schema.json: the bom's two
// $ref are pointed at the $id names, nothing else is touched). SARIF:
// sarif-2.1.0-rtm.5 (draft-04) as @microsoft/jest-sarif ships it.
// Prints "FILE: valid" or "FILE: invalid: errors" per file; exits 1 if any
// is invalid.
"use strict";
const fs = require("fs");
const path = require("path");
const addFormats = require("ajv-formats");

const [kind, schemaAt, ...files] = process.argv.slice(2);
let validate;
if (kind === "cyclonedx") {
  const Ajv = require("ajv");
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // ajv-formats has no IRI formats: an IRI reference has no spaces.
  ajv.addFormat("iri-reference", /^\S*$/);
  ajv.addFormat("idn-email", /^\S+@\S+$/);
  const read = (n) => JSON.parse(fs.readFileSync(path.join(schemaAt, n), "utf8"));
  ajv.addSchema(read("spdx.SNAPSHOT.schema.json"));
  ajv.addSchema(read("jsf-0.82.SNAPSHOT.schema.json"));
  const bom = JSON.parse(fs.readFileSync(path.join(schemaAt, "bom-1.5.SNAPSHOT.schema.json"), "utf8")
    .replace(/"spdx\.SNAPSHOT\.schema\.json/g, '"spdx.schema.json')
    .replace(/"jsf-0\.82\.SNAPSHOT\.schema\.json/g, '"jsf-0.82.schema.json'));
  validate = ajv.compile(bom);
} else if (kind === "sarif") {
  const Ajv4 = require("ajv-draft-04");
  // The schema's language-tag pattern is not valid with the u flag.
  const ajv = new Ajv4({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(fs.readFileSync(schemaAt, "utf8")));
} else {
  console.error("usage: schema_check.js cyclonedx|sarif SCHEMA FILE...");
  process.exit(2);
}
let bad = 0;
for (const f of files) {
  const ok = validate(JSON.parse(fs.readFileSync(f, "utf8")));
  if (ok) console.log(f + ": valid");
  else {
    bad++;
    console.log(f + ": invalid: " + JSON.stringify(validate.errors.slice(0, 5)));
  }
}
process.exit(bad ? 1 : 0);
