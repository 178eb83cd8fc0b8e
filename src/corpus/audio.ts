// 16-bit PCM audio files: NIST SPHERE (TIMIT's own format) and RIFF WAV, read with strict checks, written as SPHERE.

/**
 * The only sample rate phl reads: TIMIT's. Other rates are an error, not resampled on the fly (Kaldi's
 * compute-mfcc-feats also refuses a mismatch unless told to resample): resample deliberately first.
 */
export const SAMPLE_RATE = 16000;
const RESAMPLE_HINT =
  `phl reads ${SAMPLE_RATE} Hz audio only (TIMIT's rate); resample first, e.g. sox IN -r ${SAMPLE_RATE} OUT`;

export interface Audio {
  samples: Int16Array;
  sampleRate: number;
}

/** What a header says, before any sample is read. */
export interface AudioHeader {
  format: "sphere" | "riff";
  sampleRate: number;
  sampleCount: number;
  dataOffset: number;
  bigEndian: boolean;
}

export class AudioFormatError extends Error {
  constructor(readonly file: string, readonly field: string, readonly detail: string) {
    super(`${file}: ${field}: ${detail}`);
  }
}

const ascii = new TextDecoder("latin1");

function parseSphereHeader(bytes: Uint8Array, file: string, fileSize: number): AudioHeader {
  const fail = (field: string, msg: string) => {
    throw new AudioFormatError(file, field, msg);
  };
  if (bytes.length < 16) fail("header", `file is ${fileSize} bytes, too short for a SPHERE header`);
  const head = ascii.decode(bytes.subarray(0, Math.min(bytes.length, 16)));
  const lines = head.split("\n");
  const headerSize = Number(lines[1]?.trim());
  if (!Number.isInteger(headerSize) || headerSize < 16) {
    fail("header", `bad SPHERE header size '${lines[1]}'`);
  }
  if (bytes.length < headerSize) {
    fail("header", `file is ${fileSize} bytes, shorter than its ${headerSize}-byte header`);
  }
  const text = ascii.decode(bytes.subarray(0, headerSize));
  const end = text.indexOf("end_head");
  if (end < 0) fail("header", "no end_head in the SPHERE header");
  const fields = new Map<string, string>();
  for (const line of text.slice(0, end).split("\n").slice(2)) {
    const m = /^(\S+)\s+-(i|r|s\d+)\s+(.*)$/.exec(line.trim());
    if (m) fields.set(m[1], m[3].trim());
  }
  const int = (name: string, fallback?: number) => {
    const v = fields.get(name);
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      return fail(name, "missing from the SPHERE header");
    }
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(name, `'${v}' is not a non-negative integer`);
    return n;
  };
  const sampleCount = int("sample_count");
  const sampleRate = int("sample_rate");
  const channels = int("channel_count", 1);
  const width = int("sample_n_bytes", 2);
  if (sampleRate !== SAMPLE_RATE) fail("sample_rate", `${sampleRate} Hz; ${RESAMPLE_HINT}`);
  if (channels !== 1) fail("channel_count", `${channels} channels; phl reads mono audio only`);
  if (width !== 2) fail("sample_n_bytes", `${width}-byte samples; phl reads 16-bit PCM only`);
  const coding = fields.get("sample_coding") ?? "pcm";
  if (coding !== "pcm") {
    fail("sample_coding", `'${coding}' is not plain pcm (decompress shorten files with sph2pipe first)`);
  }
  const order = fields.get("sample_byte_format") ?? "01";
  if (order !== "01" && order !== "10") {
    fail("sample_byte_format", `'${order}' is neither 01 (little-endian) nor 10 (big-endian)`);
  }
  return { format: "sphere", sampleRate, sampleCount, dataOffset: headerSize, bigEndian: order === "10" };
}

function parseRiffHeader(bytes: Uint8Array, file: string, fileSize: number): AudioHeader {
  const fail = (field: string, msg: string): never => {
    throw new AudioFormatError(file, field, msg);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ascii.decode(bytes.subarray(8, 12)) !== "WAVE") fail("RIFF", "not a WAVE file");
  let pos = 12;
  let sampleRate = 0, fmtSeen = false;
  while (pos + 8 <= bytes.length) {
    const id = ascii.decode(bytes.subarray(pos, pos + 4));
    const size = view.getUint32(pos + 4, true);
    if (id === "fmt ") {
      if (size < 16) fail("fmt", `fmt chunk of ${size} bytes, a PCM one has at least 16`);
      if (pos + 8 + 16 > bytes.length) fail("fmt", "truncated fmt chunk");
      const tag = view.getUint16(pos + 8, true);
      const channels = view.getUint16(pos + 10, true);
      sampleRate = view.getUint32(pos + 12, true);
      const blockAlign = view.getUint16(pos + 20, true);
      const bits = view.getUint16(pos + 22, true);
      const pcm = tag === 1 || (tag === 0xfffe && size >= 40 && view.getUint16(pos + 32, true) === 1);
      if (!pcm) fail("fmt", `format tag ${tag} is not PCM`);
      if (sampleRate !== SAMPLE_RATE) fail("fmt", `sample rate ${sampleRate} Hz; ${RESAMPLE_HINT}`);
      if (channels !== 1) fail("fmt", `${channels} channels; phl reads mono audio only`);
      if (bits !== 16) fail("fmt", `${bits}-bit samples; phl reads 16-bit PCM only`);
      if (blockAlign !== 2) fail("fmt", `block align ${blockAlign} bytes; mono 16-bit PCM has 2`);
      fmtSeen = true;
    } else if (id === "data") {
      if (!fmtSeen) fail("data", "data chunk before fmt chunk");
      if (size % 2 !== 0) fail("data", `odd data size ${size} for 16-bit samples`);
      return { format: "riff", sampleRate, sampleCount: size / 2, dataOffset: pos + 8, bigEndian: false };
    }
    pos += 8 + size + (size & 1);
  }
  return fail("data", `no data chunk found in ${fileSize} bytes`);
}

/** Parses the header of a SPHERE or RIFF file from its first bytes (1024 are enough for TIMIT). */
function parseAudioHeader(bytes: Uint8Array, file: string, fileSize = bytes.length): AudioHeader {
  const magic = ascii.decode(bytes.subarray(0, 8));
  let header: AudioHeader;
  if (magic.startsWith("NIST_1A")) header = parseSphereHeader(bytes, file, fileSize);
  else if (magic.startsWith("RIFF")) header = parseRiffHeader(bytes, file, fileSize);
  else throw new AudioFormatError(file, "header", "neither NIST SPHERE (NIST_1A) nor RIFF WAV");
  const need = header.dataOffset + header.sampleCount * 2;
  if (fileSize < need) {
    const have = Math.max(0, Math.floor((fileSize - header.dataOffset) / 2));
    throw new AudioFormatError(
      file,
      "sample_count",
      `header says ${header.sampleCount} samples but the file holds ${have} (truncated)`,
    );
  }
  if (header.format === "sphere" && fileSize > need) {
    const have = Math.floor((fileSize - header.dataOffset) / 2);
    throw new AudioFormatError(
      file,
      "sample_count",
      `header says ${header.sampleCount} samples but the file holds ${have}`,
    );
  }
  return header;
}

/** Reads only the header of an audio file (fast; used to check a whole corpus). */
export function readAudioHeader(path: string): AudioHeader {
  const f = Deno.openSync(path);
  try {
    const size = f.statSync().size;
    const buf = new Uint8Array(Math.min(size, 4096));
    let got = 0;
    while (got < buf.length) {
      const n = f.readSync(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return parseAudioHeader(buf.subarray(0, got), path, size);
  } finally {
    f.close();
  }
}

export function decodeAudio(bytes: Uint8Array, file: string): Audio {
  const h = parseAudioHeader(bytes, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, h.sampleCount * 2);
  const samples = new Int16Array(h.sampleCount);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(2 * i, !h.bigEndian);
  return { samples, sampleRate: h.sampleRate };
}

export function readAudio(path: string): Audio {
  return decodeAudio(Deno.readFileSync(path), path);
}

/** Encodes mono 16-bit PCM as NIST SPHERE with a 1024-byte header, little-endian, like TIMIT's files. */
export function encodeSphere(
  samples: Int16Array,
  sampleRate: number,
  extra: Record<string, string | number> = {},
): Uint8Array {
  const fields: string[] = [
    `channel_count -i 1`,
    `sample_count -i ${samples.length}`,
    `sample_rate -i ${sampleRate}`,
    `sample_min -i ${samples.reduce((a, b) => Math.min(a, b), 0)}`,
    `sample_max -i ${samples.reduce((a, b) => Math.max(a, b), 0)}`,
    `sample_n_bytes -i 2`,
    `sample_byte_format -s2 01`,
    `sample_sig_bits -i 16`,
    `sample_coding -s3 pcm`,
  ];
  for (const [k, v] of Object.entries(extra)) {
    fields.push(typeof v === "number" ? `${k} -i ${v}` : `${k} -s${v.length} ${v}`);
  }
  const text = `NIST_1A\n   1024\n${fields.join("\n")}\nend_head\n`;
  if (text.length > 1024) throw new Error("SPHERE header longer than 1024 bytes");
  const out = new Uint8Array(1024 + samples.length * 2);
  out.fill(0x20, 0, 1024);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  const view = new DataView(out.buffer, 1024);
  for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i], true);
  return out;
}

/** Encodes mono 16-bit PCM as a RIFF WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const tag = (pos: number, s: string) => [...s].forEach((c, i) => (out[pos + i] = c.charCodeAt(0)));
  tag(0, "RIFF");
  v.setUint32(4, 36 + samples.length * 2, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  tag(36, "data");
  v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + 2 * i, samples[i], true);
  return out;
}
