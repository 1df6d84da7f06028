/**
 * `npm run verify -- <environment> …`: the package's `xshield-mde verify` for this repository's
 * environments (environments.ts). See lib/cli/verify.ts.
 */
import { ENVIRONMENTS } from "../environments";
import { resolveFileFlags } from "../lib/cli/args";
import { Io, processIo } from "../lib/cli/io";
import { reportUnprintable, main as verifyMain, VERIFY_FILE_FLAGS, VerifyCliOptions, verifyUsage } from "../lib/cli/verify";

export { CREDENTIAL_DEBUG_SECTIONS, credentialDebugSections, parseMaxQueueAgeMinutes, type JsonError } from "../lib/cli/verify";
export type { Io } from "../lib/cli/io";

const COMMAND = "npm run verify --";

/** The usage text, as this repository calls the command. */
export const USAGE = verifyUsage(COMMAND, "environment");

/** Runs verify on an environment of environments.ts; resolves to the exit code. */
export function main(argv: readonly string[], io: Io, options: VerifyCliOptions = {}): Promise<number> {
  return verifyMain(argv, io, { environments: ENVIRONMENTS, command: COMMAND, ...options });
}

if (require.main === module) {
  const argv = resolveFileFlags(process.argv.slice(2), VERIFY_FILE_FLAGS, process.env.INIT_CWD ?? process.cwd());
  main(argv, processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportUnprintable(argv, error);
    },
  );
}
