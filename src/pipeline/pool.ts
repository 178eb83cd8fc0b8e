// The utterance pool the stages use: workers that serve utterance, GMM and decoding requests.
import { UtterancePool } from "../utterances/pool.ts";

export const utterancePool = (jobs = navigator.hardwareConcurrency) =>
  new UtterancePool(new URL("./utterance_worker.ts", import.meta.url), jobs);
