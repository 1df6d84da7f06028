#!/usr/bin/env node
/**
 * `xshield-mde`: the day-2 commands of the package, for any stack that holds the integration.
 *
 *   xshield-mde values [<stack>] …   the values for Xshield's dialog and the Streaming API step
 *   xshield-mde verify [<stack>] …   check the deployed integration works (and, with --drift, is still as planned)
 *   xshield-mde help                 this text
 *
 * Each command loads only what it needs (values never loads the Azure SDKs).
 */
import { Io, processIo } from "./io";

/** The text of `xshield-mde help`. */
export const HELP = [
  "usage: xshield-mde <command> [<stack>] [options]",
  "",
  "  values   the five values for Xshield (Settings > Integrations > EDR > Microsoft Defender > Activate)",
  "           and the Streaming API step, read from the deployed outputs",
  "  verify   check the deployed integration works, signed in as its own application; with --drift,",
  "           also that what is live is still what the synthesized stack planned (your own Azure login)",
  "  help     this text; `xshield-mde <command> --help` for a command's options",
  "",
  "Where the outputs come from: <stack> (the stack folder cdktf.out/stacks/<stack> of the cdktf project",
  "in the current folder, and its backend), --stack-dir <dir>, or --outputs-file <file> (`terraform output",
  "-json`). A stack holding several integrations names their outputs <p>_client_id, …: add --prefix <p>.",
].join("\n");

/** Runs `xshield-mde <argv>`; resolves to the exit code. */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "values") {
    const { main } = await import("./values");
    return main(rest, io);
  }
  if (command === "verify") {
    const { main, reportUnprintable } = await import("./verify");
    return main(rest, io).catch((error: unknown) => reportUnprintable(rest, error));
  }
  if (command === "help" || command === "--help" || command === "-h") {
    io.out(HELP);
    return 0;
  }
  io.err(command === undefined ? "xshield-mde: which command?" : `xshield-mde: unknown command ${JSON.stringify(command)}.`);
  io.err(HELP);
  return 2;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`xshield-mde: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
