import { ENVIRONMENTS } from "./environments";
import { describeSynthFailure, synthEnvironments } from "./lib/synth";

try {
  synthEnvironments(ENVIRONMENTS);
} catch (error) {
  process.stderr.write(`${describeSynthFailure(error)}\n`);
  process.exitCode = 1;
}
