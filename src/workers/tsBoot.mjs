// Worker threads do not inherit the tsx loader that bin/freehold.js registers on the main
// thread, so a TypeScript worker starts here: register tsx, then load the real entry.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.entry);
