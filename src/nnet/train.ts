// Cross-entropy fine-tuning with Kaldi nnet1's newbob schedule, checkpointed after every epoch and resumable.
import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import { exists, writeFileAtomic } from "../util/fs.ts";
import { loadParameters, saveParameters } from "./checkpoint.ts";
import { type FrameSet, type Minibatch, minibatches } from "./data.ts";
import type { Network } from "./network.ts";

export interface NewbobConfig {
  /** Per-frame learning rate on summed minibatch gradients (nnet1: 0.008 at minibatch 256). */
  learnRate: number;
  batchSize: number;
  /** Halving starts when CV loss improves by less than this (relative), training stops below the second. */
  startHalvingImpr: number;
  endHalvingImpr: number;
  halvingFactor: number;
  maxEpochs: number;
  /** Share of the training frames one epoch visits (a new random subset each epoch); 1 = all. */
  epochFraction: number;
  /** Frames spliced on each side of the input frame. */
  context: number;
  seed: number;
}

export interface EpochLog {
  epoch: number;
  learnRate: number;
  trainLoss: number;
  trainAccuracy: number;
  cvLoss: number;
  cvAccuracy: number;
  accepted: boolean;
  framesPerSecond: number;
  seconds: number;
  /** Set when the epoch stopped on a non-finite loss. */
  diverged?: boolean;
}

/** What state.json holds between epochs: enough to resume after a kill. */
interface SchedulerState {
  epoch: number;
  learnRate: number;
  halving: boolean;
  done: boolean;
  /** The accepted model's file in the training folder (epoch<N>.params.ark, N its epoch): the commit point. */
  model: string;
  /** CV loss per frame of the accepted model. */
  cvLoss: number;
  cvAccuracy: number;
  history: EpochLog[];
}

/** A minibatch as tensors: inputs, targets and (for speaker-aware sets) speaker vectors. */
function batchTensors(b: Minibatch) {
  const n = b.frames.length;
  return {
    x: tf.tensor2d(b.x, [n, b.x.length / n]),
    labels: tf.tensor1d(b.y!, "int32"),
    speaker: b.s ? tf.tensor2d(b.s, [n, b.s.length / n]) : undefined,
  };
}

/** Summed loss and correct frames over a set (ordered, every frame), forward only. */
async function evaluateSet(net: Network, set: FrameSet, context: number, batchSize: number) {
  let loss = 0, correct = 0;
  for (const b of minibatches(set, context, batchSize, null)) {
    const r = tf.tidy(() => {
      const { x, labels, speaker } = batchTensors(b);
      return net.evaluate(x, labels, speaker);
    });
    loss += (await r.loss.data())[0];
    correct += (await r.correct.data())[0];
    tf.dispose([r.loss, r.correct]);
  }
  return { loss: loss / set.frames, accuracy: correct / set.frames };
}

/** One pass of SGD over `set`; stops early on a non-finite loss. */
async function trainEpoch(
  net: Network,
  set: FrameSet,
  c: NewbobConfig,
  epoch: number,
  learnRate: number,
  progress: (done: number) => void,
) {
  let loss = 0, correct = 0, frames = 0, diverged = false;
  let pending: tf.Scalar[] = [];
  const flush = async () => {
    const values = await Promise.all(pending.map((t) => t.data()));
    tf.dispose(pending);
    pending = [];
    for (let i = 0; i < values.length; i += 2) (loss += values[i][0]), (correct += values[i + 1][0]);
    if (!Number.isFinite(loss)) diverged = true;
  };
  let step = 0;
  const total = Math.min(set.frames, Math.round(set.frames * c.epochFraction));
  for (const b of minibatches(set, c.context, c.batchSize, c.seed, epoch, c.epochFraction)) {
    const r = tf.tidy(() => {
      const { x, labels, speaker } = batchTensors(b);
      return net.step(x, labels, learnRate, speaker);
    });
    pending.push(r.loss, r.correct);
    frames += b.frames.length;
    if (++step % 32 === 0) {
      await flush();
      if (diverged) break;
      progress(frames / total);
    }
  }
  await flush();
  return { loss: loss / frames, accuracy: correct / frames, frames, diverged };
}

/**
 * Trains `net` on `train` with newbob on `cv` (Kaldi's train_scheduler.sh): an epoch that does not lower the CV
 * loss is rejected (the accepted weights restored); once the relative improvement falls below startHalvingImpr the
 * rate is halved every epoch, and training stops when it falls below endHalvingImpr while halving, or after
 * maxEpochs. `dir` keeps the accepted model and state.json after every epoch: a rerun resumes from them. Pass
 * `initialCv` when the starting model's CV loss is already known. Returns the epochs and the kept model's CV
 * loss and accuracy.
 */
export async function trainNewbob(
  net: Network,
  data: { train: FrameSet; cv: FrameSet },
  c: NewbobConfig,
  dir: string,
  log: (line: string) => void,
  initialCv?: { loss: number; accuracy: number },
): Promise<{ epochs: EpochLog[]; cv: { loss: number; accuracy: number } }> {
  Deno.mkdirSync(dir, { recursive: true });
  const statePath = join(dir, "state.json");
  // an accepted model goes to a new file, which state.json then names; the file it replaces goes last
  const commit = async (state: SchedulerState, model: string | null) => {
    if (model) await saveParameters(join(dir, model), net.namedParameters());
    writeFileAtomic(statePath, JSON.stringify(state, null, 2) + "\n");
    for (const e of Deno.readDirSync(dir)) {
      if (/^epoch\d+\.params\.ark$/.test(e.name) && e.name !== state.model) {
        Deno.removeSync(join(dir, e.name));
      }
    }
  };
  let state: SchedulerState;
  if (exists(statePath)) {
    state = JSON.parse(Deno.readTextFileSync(statePath));
    loadParameters(join(dir, state.model), net.namedParameters());
    await commit(state, null); // a model file a kill left before its state.json goes
    log(
      `resuming after epoch ${state.epoch} (learning rate ${state.learnRate}, CV loss ${
        state.cvLoss.toFixed(4)
      })`,
    );
  } else {
    const cv = initialCv ?? await evaluateSet(net, data.cv, c.context, c.batchSize);
    state = {
      epoch: 0,
      learnRate: c.learnRate,
      halving: false,
      done: false,
      model: "epoch0.params.ark",
      cvLoss: cv.loss,
      cvAccuracy: cv.accuracy,
      history: [],
    };
    log(`initial CV loss ${cv.loss.toFixed(4)}, frame accuracy ${(100 * cv.accuracy).toFixed(2)}%`);
    await commit(state, state.model);
  }
  while (!state.done && state.epoch < c.maxEpochs) {
    const epoch = state.epoch + 1, t0 = performance.now();
    let shown = 0;
    const tr = await trainEpoch(net, data.train, c, epoch, state.learnRate, (done) => {
      if (done - shown >= 0.1) {
        shown = done;
        const fps = (done * data.train.frames * c.epochFraction) / ((performance.now() - t0) / 1000);
        log(`  epoch ${epoch}: ${(100 * done).toFixed(0)}% (${fps.toFixed(0)} frames/s)`);
      }
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const cv = tr.diverged
      ? { loss: Infinity, accuracy: 0 }
      : await evaluateSet(net, data.cv, c.context, c.batchSize);
    const decision = newbob({ ...state, anyAccepted: state.history.some((e) => e.accepted) }, cv.loss, c);
    const accepted = decision.accepted;
    const model = accepted ? `epoch${epoch}.params.ark` : null;
    if (accepted) state.cvAccuracy = cv.accuracy;
    else loadParameters(join(dir, state.model), net.namedParameters());
    const entry: EpochLog = {
      epoch,
      learnRate: state.learnRate,
      trainLoss: tr.loss,
      trainAccuracy: tr.accuracy,
      cvLoss: cv.loss,
      cvAccuracy: cv.accuracy,
      accepted,
      framesPerSecond: tr.frames / trainSeconds,
      seconds: (performance.now() - t0) / 1000,
      ...(tr.diverged ? { diverged: true } : {}),
    };
    if (tr.diverged) {
      log(
        `epoch ${epoch}: the training loss became non-finite; the epoch is stopped and the last good weights restored`,
      );
    }
    log(epochLine(entry));
    if (decision.done) log(`finished: relative CV improvement below ${c.endHalvingImpr} while halving`);
    Object.assign(state, {
      cvLoss: decision.cvLoss,
      learnRate: decision.learnRate,
      halving: decision.halving,
    });
    state.done = decision.done;
    state.epoch = epoch;
    state.history.push(entry);
    if (model) state.model = model;
    await commit(state, model);
  }
  loadParameters(join(dir, state.model), net.namedParameters());
  return { epochs: state.history, cv: { loss: state.cvLoss, accuracy: state.cvAccuracy } };
}

/**
 * Kaldi's train_scheduler.sh decision after an epoch with CV loss `cvLoss`: accept it if it is lower than the
 * accepted one; with r the relative improvement, stop if already halving and r < endHalvingImpr, else start
 * halving once r < startHalvingImpr and halve the rate while halving. One rule of phl's own: a run does not stop
 * before it has accepted an epoch (a warm start that rejected its first epochs would leave the network as it
 * was); it halves on until one is accepted or maxEpochs.
 */
export function newbob(
  s: { cvLoss: number; learnRate: number; halving: boolean; anyAccepted: boolean },
  cvLoss: number,
  c: Pick<NewbobConfig, "startHalvingImpr" | "endHalvingImpr" | "halvingFactor">,
) {
  const accepted = cvLoss < s.cvLoss, kept = accepted ? cvLoss : s.cvLoss;
  const anyAccepted = s.anyAccepted || accepted;
  const relImpr = (s.cvLoss - kept) / s.cvLoss;
  if (s.halving && relImpr < c.endHalvingImpr && anyAccepted) {
    return { accepted, anyAccepted, cvLoss: kept, learnRate: s.learnRate, halving: true, done: true };
  }
  const halving = s.halving || relImpr < c.startHalvingImpr;
  return {
    accepted,
    anyAccepted,
    cvLoss: kept,
    learnRate: halving ? s.learnRate * c.halvingFactor : s.learnRate,
    halving,
    done: false,
  };
}

function epochLine(e: EpochLog): string {
  return `epoch ${e.epoch}: rate ${e.learnRate.toPrecision(3)}, train loss ${e.trainLoss.toFixed(4)} acc ${
    (100 * e.trainAccuracy).toFixed(2)
  }%, CV loss ${e.cvLoss.toFixed(4)} acc ${(100 * e.cvAccuracy).toFixed(2)}% ${
    e.accepted ? "accepted" : "REJECTED"
  }, ${e.framesPerSecond.toFixed(0)} frames/s, ${e.seconds.toFixed(0)} s`;
}
