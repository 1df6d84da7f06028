import { ENVIRONMENTS } from "./environments";
import { buildApp } from "./lib/app";

buildApp(ENVIRONMENTS).synth();
