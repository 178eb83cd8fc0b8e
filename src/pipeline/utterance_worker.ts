// A worker of the utterance pool: its own requests, GMM training and scoring, and decoding.
/// <reference lib="deno.worker" />
import { decodeHandlers } from "../decode/handlers.ts";
import { gmmHandlers } from "../gmm/handlers.ts";
import { utteranceHandlers } from "../utterances/handlers.ts";
import { serveHandlers } from "../util/pool.ts";

serveHandlers(utteranceHandlers, gmmHandlers, decodeHandlers);
