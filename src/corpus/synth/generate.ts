// Generates the default corpus in TIMIT layout with parallel workers, in DIR.partial renamed to DIR at the end.
import { join } from "node:path";
import { exists } from "../../util/fs.ts";
import { planCorpus, type PlannedSpeaker, type SpeakerCounts } from "./speakers.ts";
import {
  type Channel,
  type CorpusPreset,
  drawChannel,
  drawConditions,
  drawVoice,
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
  | { type: "utterance" }
  | { type: "done" }
  | { type: "error"; message: string };

export interface GenerateOptions {
  out: string;
  seed: number;
  presetName: string;
  preset: CorpusPreset;
  counts: SpeakerCounts;
  jobs: number;
  onProgress?: (done: number, total: number) => void;
}

/** What identifies a corpus: same description, same bytes. Stored as corpus.json. */
export function corpusDescription(
  o: Pick<GenerateOptions, "seed" | "presetName" | "preset" | "counts">,
): string {
  const d = {
    generator: "phl default corpus v1",
    seed: o.seed,
    preset: o.presetName,
    knobs: o.preset,
    speakers: o.counts,
  };
  return JSON.stringify(d, null, 2) + "\n";
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function runWorkers(jobs: SpeakerJob[], o: GenerateOptions, onUtterance: () => void): Promise<void> {
  const count = Math.max(1, Math.min(o.jobs, jobs.length));
  const url = new URL("./worker.ts", import.meta.url).href;
  const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  const stop = () => workers.forEach((w) => w.terminate());
  return new Promise<void>((resolve, reject) => {
    let next = 0, finished = 0;
    const fail = (message: string) => {
      stop();
      reject(new Error(`corpus worker failed: ${message}`));
    };
    const feed = (w: Worker) => {
      if (next < jobs.length) w.postMessage({ type: "speaker", job: jobs[next++] } satisfies WorkerRequest);
    };
    for (const w of workers) {
      w.onerror = (e) => {
        e.preventDefault();
        fail(e.message);
      };
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        const msg = e.data;
        if (msg.type === "error") fail(msg.message);
        else if (msg.type === "ready") feed(w);
        else if (msg.type === "utterance") onUtterance();
        else if (++finished === jobs.length) {
          stop();
          resolve();
        } else feed(w);
      };
      w.postMessage({ type: "init", seed: o.seed, preset: o.preset } satisfies WorkerRequest);
    }
    if (jobs.length === 0) {
      stop();
      resolve();
    }
  });
}

/**
 * Generates the corpus. Each speaker's folder is renamed into DIR.partial once complete, so a killed run resumes
 * where it stopped (the same description gives the same bytes), and DIR appears only when everything is there.
 */
export async function generateCorpus(
  o: GenerateOptions,
): Promise<{ utterances: number; resumedSpeakers: number }> {
  const plan = planCorpus(o.seed, o.counts);
  const partial = `${o.out}.partial`;
  const description = corpusDescription(o);
  const descriptionFile = join(partial, "corpus.json");
  if (
    exists(partial) && !(exists(descriptionFile) && Deno.readTextFileSync(descriptionFile) === description)
  ) {
    Deno.removeSync(partial, { recursive: true });
  }
  Deno.mkdirSync(partial, { recursive: true });
  Deno.writeTextFileSync(descriptionFile, description);

  const jobs: SpeakerJob[] = plan.map((speaker) => ({
    speaker,
    voice: drawVoice(o.seed, speaker.id, speaker.sex, speaker.dialect, o.preset),
    channel: drawChannel(o.seed, speaker.id, o.preset),
    dir: join(partial, speaker.set.toUpperCase(), `DR${speaker.dialect}`, speaker.id.toUpperCase()),
  }));
  const todo = jobs.filter((j) => !exists(j.dir));
  const total = plan.reduce((n, s) => n + s.sentences.length, 0);
  let done = total - todo.reduce((n, j) => n + j.speaker.sentences.length, 0);
  await runWorkers(todo, o, () => o.onProgress?.(++done, total));

  const manifest = jobs.map(({ speaker, voice, channel }) => ({
    id: speaker.id,
    sex: speaker.sex,
    dialect: speaker.dialect,
    set: speaker.set,
    split: speaker.split,
    voice,
    channel,
    utterances: Object.fromEntries(speaker.sentences.map((s) => {
      const c = drawConditions(o.seed, `${speaker.id}_${s.id}`, o.preset);
      const snrDb = c.noise ? round(c.snrDb, 2) : null;
      return [s.id, {
        rateFactor: round(c.rateFactor),
        pitchFactor: round(c.pitchFactor),
        noise: c.noise,
        snrDb,
      }];
    })),
  }));
  Deno.writeTextFileSync(join(partial, "speakers.json"), JSON.stringify(manifest, null, 1) + "\n");
  if (exists(o.out)) Deno.removeSync(o.out, { recursive: true });
  Deno.renameSync(partial, o.out);
  return { utterances: total, resumedSpeakers: jobs.length - todo.length };
}
