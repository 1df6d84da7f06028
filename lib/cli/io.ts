/** Where the commands write: one line at a time; tests pass their own. */
export interface Io {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
}

/** Error codes of a write to a stream whose reader has gone (`… | head -5`). */
const READER_GONE = new Set(["EPIPE", "ERR_STREAM_DESTROYED"]);

/**
 * The process's standard output and error. When the reader of one goes away (`xshield-mde values
 * … | head -5`), what is left to print to it is dropped quietly and the command ends as it would
 * have, instead of dying on an unhandled `EPIPE` with a stack trace. Any other write error is still
 * thrown.
 */
export function processIo(): Io {
  const gone = { stdout: false, stderr: false };
  const watch = (stream: NodeJS.WriteStream, name: keyof typeof gone) => {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== undefined && READER_GONE.has(error.code)) {
        gone[name] = true;
        return;
      }
      throw error;
    });
  };
  watch(process.stdout, "stdout");
  watch(process.stderr, "stderr");
  return {
    out: (line) => {
      if (!gone.stdout) process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      if (!gone.stderr) process.stderr.write(`${line}\n`);
    },
  };
}
