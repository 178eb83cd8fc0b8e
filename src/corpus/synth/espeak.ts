// eSpeak NG (emscripten build) as a pure function: text + voice -> 22.05 kHz audio with sample-exact events.
import EspeakInit from "@echogarden/espeak-ng-emscripten";

export interface SynthEvent {
  type: "word" | "sentence" | "phoneme" | "end";
  /** IPA for phonemes ("" for a pause), word number for words. */
  id: string;
  /** Sample index in the utterance's audio where the event starts. */
  sample: number;
  /** 1-based character position and length of a word in the text. */
  textPosition: number;
  textLength: number;
}

export interface Synthesis {
  audio: Int16Array;
  sampleRate: number;
  events: SynthEvent[];
}

const EVENT_TYPES = [
  "list_terminated",
  "word",
  "sentence",
  "mark",
  "play",
  "end",
  "msg_terminated",
  "phoneme",
  "samplerate",
];
const VARIANT_PATH = "/usr/share/espeak-ng-data/voices/!v/phl";

// deno-lint-ignore no-explicit-any
type Module = any;

/**
 * eSpeak keeps state between calls (random generator seeded from the clock at start-up, filter memories), so the
 * module is started with the clock pinned and its whole memory is restored from a snapshot before every call:
 * each synthesis then depends only on its text and voice, whatever ran before it and in whichever worker.
 */
export class Espeak {
  private constructor(
    private readonly m: Module,
    private readonly worker: Module,
    private readonly snapshot: Uint8Array,
  ) {}

  static async create(): Promise<Espeak> {
    const now = Date.now;
    Date.now = () => 0;
    try {
      const m = await EspeakInit();
      const worker = new m.eSpeakNGWorker();
      return new Espeak(m, worker, m.HEAPU8.slice());
    } finally {
      Date.now = now;
    }
  }

  /**
   * Synthesizes `text` with `language` (an eSpeak English accent such as "en-us") and a voice variant file
   * (eSpeak's voice syntax: formant, pitch, speed, breath, roughness, flutter, klatt ...).
   */
  synthesize(text: string, language: string, variant: string): Synthesis {
    const { m, worker } = this;
    const heap: Uint8Array = m.HEAPU8;
    heap.set(this.snapshot);
    if (heap.length > this.snapshot.length) heap.fill(0, this.snapshot.length);
    m.FS.writeFile(VARIANT_PATH, variant);
    if (worker.set_voice(`${language}+phl`, "") !== 0) {
      throw new Error(`eSpeak cannot load voice ${language}+phl`);
    }
    const chunks: Int16Array[] = [];
    const events: SynthEvent[] = [];
    const eventSize = worker.getSizeOfEventStruct_();
    const callback = m.addFunction((audioPtr: number, length: number, eventPtr: number) => {
      chunks.push(m.HEAP16.slice(audioPtr / 2, audioPtr / 2 + length));
      for (let p = eventPtr;; p += eventSize) {
        const ev = m.wrapPointer(p, m.espeak_EVENT);
        const type = EVENT_TYPES[ev.get_type()];
        if (type === "list_terminated") break;
        if (type !== "word" && type !== "sentence" && type !== "phoneme" && type !== "end") continue;
        const id = type === "phoneme"
          ? worker.getStringIDFromEventStruct_(p)
          : String(worker.getNumericIDFromEventStruct_(p));
        events.push({
          type,
          id,
          sample: ev.get_sample(),
          textPosition: ev.get_text_position(),
          textLength: ev.get_length(),
        });
      }
      return 0;
    }, "iiii");
    try {
      worker.synth_(text, callback);
    } finally {
      m.removeFunction(callback);
    }
    const audio = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      audio.set(c, at);
      at += c.length;
    }
    return { audio, sampleRate: worker.get_samplerate(), events };
  }
}
