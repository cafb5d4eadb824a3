/**
 * Reference digests of the simulator's Polygon aggregate pages (see
 * tests/fixtures/sim/aggs_bytes.provenance.md): run on the commit before the serialisation
 * change, it prints the JSON the byte-for-byte test compares against.
 *
 * Usage: deno run -A tests/reference/sim_aggs_bytes.ts > tests/fixtures/sim/aggs_bytes.json
 */
import { aggsDigests } from "../sources/sim/_aggs_requests.ts";

console.log(JSON.stringify(await aggsDigests(), null, 1));
