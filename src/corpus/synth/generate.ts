// Generates the default corpus in TIMIT layout with parallel workers, into a temporary folder renamed at the end.
import { join } from "node:path";
import { exists } from "../../util/fs.ts";
import { planCorpus, type PlannedSpeaker, type SpeakerCounts } from "./speakers.ts";
import {
  type Channel,
  type CorpusPreset,
  drawChannel,
  drawVoice,
  type UtteranceConditions,
  type Voice,
} from "./voices.ts";

export interface SpeakerJob {
  speaker: PlannedSpeaker;
  voice: Voice;
  channel: Channel;
  dir: string;
}

export type WorkerRequest = { type: "init"; seed: number; preset: CorpusPreset } | {
  type: "speaker";
  job: SpeakerJob;
};
export type WorkerReply =
  | { type: "ready" }
  | { type: "utterance"; id: string; seconds: number; conditions: UtteranceConditions }
  | { type: "done"; speaker: string }
  | { type: "error"; message: string };

export interface GenerateOptions {
  out: string;
  seed: number;
  presetName: string;
  preset: CorpusPreset;
  counts: SpeakerCounts;
  jobs: number;
  onProgress?: (done: number, total: number, audioSeconds: number) => void;
}

/** What identifies a corpus: same description, same bytes. Stored as corpus.json. */
export function corpusDescription(o: Pick<GenerateOptions, "seed" | "presetName" | "preset" | "counts">) {
  return {
    generator: "phl default corpus v1",
    seed: o.seed,
    preset: o.presetName,
    knobs: o.preset,
    speakers: o.counts,
  };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export async function generateCorpus(o: GenerateOptions): Promise<{ utterances: number; seconds: number }> {
  const plan = planCorpus(o.seed, o.counts);
  const partial = `${o.out}.partial`;
  if (exists(partial)) Deno.removeSync(partial, { recursive: true });
  Deno.mkdirSync(partial, { recursive: true });

  const jobs: SpeakerJob[] = plan.map((speaker) => ({
    speaker,
    voice: drawVoice(o.seed, speaker.id, speaker.sex, speaker.dialect, o.preset),
    channel: drawChannel(o.seed, speaker.id, o.preset),
    dir: join(partial, speaker.set.toUpperCase(), `DR${speaker.dialect}`, speaker.id.toUpperCase()),
  }));
  const total = jobs.reduce((n, j) => n + j.speaker.sentences.length, 0);
  const conditions = new Map<string, UtteranceConditions>();
  let seconds = 0;

  const workerCount = Math.max(1, Math.min(o.jobs, jobs.length));
  const workers = Array.from(
    { length: workerCount },
    () => new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0, finished = 0;
      const feed = (w: Worker) => {
        if (next < jobs.length) w.postMessage({ type: "speaker", job: jobs[next++] } satisfies WorkerRequest);
      };
      for (const w of workers) {
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`corpus worker failed: ${e.message}`));
        };
        w.onmessage = (e: MessageEvent<WorkerReply>) => {
          const msg = e.data;
          if (msg.type === "error") reject(new Error(`corpus worker failed: ${msg.message}`));
          else if (msg.type === "ready") feed(w);
          else if (msg.type === "utterance") {
            conditions.set(msg.id, msg.conditions);
            seconds += msg.seconds;
            o.onProgress?.(conditions.size, total, seconds);
          } else if (++finished === jobs.length) resolve();
          else feed(w);
        };
        w.postMessage({ type: "init", seed: o.seed, preset: o.preset } satisfies WorkerRequest);
      }
    });
  } catch (e) {
    for (const w of workers) w.terminate();
    Deno.removeSync(partial, { recursive: true });
    throw e;
  }
  for (const w of workers) w.terminate();

  const manifest = jobs.map(({ speaker, voice, channel }) => ({
    id: speaker.id,
    sex: speaker.sex,
    dialect: speaker.dialect,
    set: speaker.set,
    split: speaker.split,
    voice,
    channel,
    utterances: Object.fromEntries(speaker.sentences.map((s) => {
      const c = conditions.get(`${speaker.id}_${s.id}`)!;
      return [s.id, {
        rateFactor: round(c.rateFactor),
        pitchFactor: round(c.pitchFactor),
        noise: c.noise,
        snrDb: c.noise ? round(c.snrDb, 2) : null,
      }];
    })),
  }));
  Deno.writeTextFileSync(join(partial, "speakers.json"), JSON.stringify(manifest, null, 1) + "\n");
  Deno.writeTextFileSync(join(partial, "corpus.json"), JSON.stringify(corpusDescription(o), null, 2) + "\n");
  if (exists(o.out)) Deno.removeSync(o.out, { recursive: true });
  Deno.renameSync(partial, o.out);
  return { utterances: total, seconds };
}
