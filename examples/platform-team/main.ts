import { App } from "cdktf";
import { SecurityStack } from "./security-stack";

const app = new App();
new SecurityStack(app, "security");
app.synth();
