// A generator worker: renders whole speakers of the default corpus and writes their files in TIMIT layout.
/// <reference lib="deno.worker" />
import { join } from "node:path";
import { encodeSphere } from "../audio.ts";
import { exists } from "../../util/fs.ts";
import { Espeak } from "./espeak.ts";
import { babbleBank, renderUtterance, roomOf, SAMPLE_RATE } from "./render.ts";
import type { SpeakerJob, WorkerReply, WorkerRequest } from "./generate.ts";
import type { CorpusPreset } from "./voices.ts";

let espeak: Espeak;
let babble: Float32Array;
let seed: number;
let preset: CorpusPreset;

const segmentsText = (segments: { start: number; end: number; label: string }[]) =>
  segments.map((s) => `${s.start} ${s.end} ${s.label}`).join("\n") + "\n";

/** Renders a speaker into DIR.tmp and renames it to DIR when all its utterances are written. */
function renderSpeaker(job: SpeakerJob) {
  const { speaker, voice, channel } = job;
  const dir = `${job.dir}.tmp`;
  if (exists(dir)) Deno.removeSync(dir, { recursive: true });
  Deno.mkdirSync(dir, { recursive: true });
  const room = roomOf(seed, speaker.id, channel);
  for (const sentence of speaker.sentences) {
    const id = `${speaker.id}_${sentence.id}`;
    const u = renderUtterance(espeak, {
      seed,
      utteranceId: id,
      text: sentence.text,
      voice,
      channel,
      room,
      preset,
      babble,
    });
    const base = join(dir, sentence.id.toUpperCase());
    const header = { database_id: "phl-default-corpus", utterance_id: id, speaker_id: speaker.id };
    Deno.writeFileSync(`${base}.WAV`, encodeSphere(u.samples, SAMPLE_RATE, header));
    Deno.writeTextFileSync(`${base}.PHN`, segmentsText(u.phones));
    Deno.writeTextFileSync(`${base}.WRD`, segmentsText(u.words));
    Deno.writeTextFileSync(`${base}.TXT`, `0 ${u.samples.length} ${sentence.text}\n`);
    self.postMessage({ type: "utterance" } satisfies WorkerReply);
  }
  Deno.renameSync(dir, job.dir);
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  try {
    if (msg.type === "init") {
      seed = msg.seed;
      preset = msg.preset;
      espeak = await Espeak.create();
      babble = preset.noiseKinds.includes("babble") ? babbleBank(espeak, preset) : new Float32Array(1);
      self.postMessage({ type: "ready" } satisfies WorkerReply);
    } else {
      renderSpeaker(msg.job);
      self.postMessage({ type: "done" } satisfies WorkerReply);
    }
  } catch (err) {
    self.postMessage({ type: "error", message: (err as Error).stack ?? String(err) } satisfies WorkerReply);
  }
};
