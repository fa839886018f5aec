// Validate an AsyncAPI document with the official parser (installed into var/tools by
// scripts/setup-asyncapi.sh): prints each finding, exits 1 when one is an error.
//   node scripts/validate-asyncapi.mjs contracts/asyncapi.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../var/tools/package.json", import.meta.url));
const { Parser, DiagnosticSeverity } = require("@asyncapi/parser");

const { diagnostics } = await new Parser().parse(readFileSync(process.argv[2], "utf8"));
for (const d of diagnostics) {
  const level = DiagnosticSeverity[d.severity] ?? d.severity;
  console.log(`${level} ${d.code} /${d.path.join("/")}: ${d.message}`);
}
process.exit(diagnostics.some((d) => d.severity === DiagnosticSeverity.Error) ? 1 : 0);
