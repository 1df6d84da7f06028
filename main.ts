import { ENVIRONMENTS } from "./environments";
import { buildApp, collectWarnings } from "./lib/app";

const app = buildApp(ENVIRONMENTS);
app.synth();

// The cdktf CLI prints annotations itself (it sets CDKTF_OUTDIR); a plain `node` run does not.
if (process.env.CDKTF_OUTDIR === undefined) {
  for (const warning of collectWarnings(app)) {
    process.stderr.write(`warning ${warning}\n`);
  }
}
