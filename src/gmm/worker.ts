// A GMM worker: serves handleGmmRequest for its share of the utterances.
/// <reference lib="deno.worker" />
import { serveRequests } from "../util/pool.ts";
import { type GmmRequest, handleGmmRequest } from "./jobs.ts";

serveRequests((req: GmmRequest) => handleGmmRequest(req));
