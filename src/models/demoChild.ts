/**
 * Generates and inspects the demo model in a child process of `freehold serve` (src/models/demo.ts),
 * then prints its facts as JSON. In the server, inspecting it loaded node-llama-cpp and its
 * native binding, and the generator's buffers came on top: ~30 MB kept for the process's life.
 *
 *   node demoChild.js <path> <name>
 */
import { makeModel } from "./gguf/makeModel.ts";
import { inspectGguf } from "./inspect.ts";

const [path, name] = process.argv.slice(2);
await makeModel({ path, shape: "tiny", seed: 1, name });
const facts = await inspectGguf(path);
process.stdout.write(JSON.stringify(facts), () => process.exit(0)); // the binding's threads would keep it alive
