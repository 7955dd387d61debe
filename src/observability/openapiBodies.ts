/**
 * Prints the OpenAPI document's request-body schemas as JSON, for the routes given as a JSON
 * array of "METHOD /url" (src/api/routes/openapi.ts runs this in a child process). zod and every
 * route's schemas load here and go with the process, instead of staying in a server that may
 * never validate a body (~10 MB resident, bench/memory.ts).
 *
 *   node openapiBodies.js '["POST /v1/chat/completions", ...]'
 */
import { bodySchemas } from "./openapiSchemas.ts";

process.stdout.write(JSON.stringify(bodySchemas(JSON.parse(process.argv[2]) as string[])));
