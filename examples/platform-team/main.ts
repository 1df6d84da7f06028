import { App } from "cdktf";
import { synthesizeApp } from "xshield-mde-cdktf";
import { SecurityStack } from "./security-stack";

const app = new App();
new SecurityStack(app, "security");
// app.synth(), all or nothing: every stack's problems in one error, no stale files, warnings printed.
synthesizeApp(app);
