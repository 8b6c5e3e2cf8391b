/**
 * Stock TF.js for the benchmark's "stock" column: the same workloads written as a TF.js user
 * would write them with plain `tf.*` ops, differentiated by TF.js's OWN gradient configs
 * (`@tensorflow/tfjs-core/dist/register_all_gradients.js`), so ganref's overhead (validation,
 * tidies, its gradient configs) is visible. Only workloads stock TF.js gets right are listed:
 * the plain GAN losses, and MLP critics with relu, softplus or linear activations to first and
 * second order (stock's leaky-relu, elu, selu, tanh and sigmoid second derivatives throw or are
 * wrong; spec/stock-tfjs.test.ts records which). The benchmark checks that both sides agree.
 *
 * Under Node, `@tensorflow/tfjs-core` resolves to its CJS bundle, which registers no gradient;
 * the stock configs are bundled with esbuild from the ESM sources into a temporary directory and
 * imported, as spec/stock-tfjs.test.ts does. The gradient registry is one Map on the global
 * object (`_tfGlobals.gradRegistry`), shared by both copies of tfjs-core: the benchmark swaps its
 * whole content between ganref's configs and stock's (outside any timing), so a kernel stock
 * TF.js has no gradient for fails on the stock side as it would for a stock user.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerGradients } from '../src/autodiff/index.js';

type T = tf.Tensor;
type Evaluate = (inputs: Record<string, T>, params: Record<string, unknown>) => Record<string, T>;

function gradRegistry(): Map<string, tf.GradConfig> {
  const globals = (globalThis as { _tfGlobals?: Map<string, unknown> })._tfGlobals;
  const reg = globals?.get('gradRegistry');
  if (!(reg instanceof Map))
    throw new Error('stock TF.js: cannot find the gradient registry (_tfGlobals.gradRegistry)');
  return reg as Map<string, tf.GradConfig>;
}

/** Switches the gradient registry between ganref's configs and stock TF.js's. */
export interface GradientModes {
  stock(): void;
  ganref(): void;
}

/** Loads stock TF.js's gradient configs once; ganref's stay active until `stock()` is called. */
export async function loadStockGradients(): Promise<GradientModes> {
  registerGradients();
  const reg = gradRegistry();
  const ganrefConfigs = new Map(reg);
  reg.clear();
  const require = createRequire(import.meta.url);
  const entry = join(require.resolve('@tensorflow/tfjs-core/package.json'), '..', 'dist', 'register_all_gradients.js');
  const dir = mkdtempSync(join(tmpdir(), 'ganref-stock-'));
  try {
    const out = join(dir, 'stock-gradients.mjs');
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: out,
      logLevel: 'error',
    });
    await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const stockConfigs = new Map(reg);
  if (stockConfigs.size === 0) throw new Error('stock TF.js: register_all_gradients registered nothing');
  const fill = (from: Map<string, tf.GradConfig>) => {
    reg.clear();
    for (const [k, v] of from) reg.set(k, v);
  };
  fill(ganrefConfigs);
  return { stock: () => fill(stockConfigs), ganref: () => fill(ganrefConfigs) };
}

const ACT: Record<string, (x: T) => T> = { relu: tf.relu, softplus: tf.softplus, linear: (x) => x };

/** Activations whose second derivative stock TF.js gets right (see spec/stock-tfjs.test.ts). */
export const STOCK_ACTIVATIONS = Object.keys(ACT);

/** act(…act(x·W₀ + b₀)…·W_{L−1} + b_{L−1}) with plain ops, layers `{prefix}W{l}` / `{prefix}B{l}`. */
function mlp(x: T, inputs: Record<string, T>, prefix: string, p: Record<string, unknown>): T {
  let h = x;
  for (let l = 0; inputs[`${prefix}W${l}`]; l++) {
    const last = !inputs[`${prefix}W${l + 1}`];
    const act = ACT[String(last ? p.outputActivation : p.activation)]!;
    h = act(tf.add(tf.matMul(h, inputs[`${prefix}W${l}`]!), inputs[`${prefix}B${l}`]!));
  }
  return tf.reshape(h, [x.shape[0]!]);
}

/** Σ_j (∂ Σ c / ∂x_ij)² per example, the textbook way (tf.grad, square, sum). */
function squaredInputGradNorms(critic: (x: T) => T, x: T): T {
  const g = tf.grad((u: T) => tf.sum(critic(u)))(x);
  return tf.sum(tf.square(g), 1);
}

const mean = (x: T) => tf.mean(x);

/**
 * Stock implementations per spec id, with the parameters they handle; `undefined` when a case's
 * parameters are outside what stock TF.js gets right (or what is written here).
 */
export function stockEvaluate(specId: string, params: Record<string, unknown>): Evaluate | undefined {
  const meanReduction = (params.reduction ?? 'mean') === 'mean';
  const mlpOk =
    STOCK_ACTIVATIONS.includes(String(params.activation)) &&
    STOCK_ACTIVATIONS.includes(String(params.outputActivation ?? 'linear'));
  switch (specId) {
    case 'objective/non-saturating':
      return meanReduction
        ? (x) => ({
            discriminator: tf.add(mean(tf.softplus(tf.neg(x.logitsReal!))), mean(tf.softplus(x.logitsFake!))),
            generator: mean(tf.softplus(tf.neg(x.logitsFake!))),
          })
        : undefined;
    case 'objective/minimax':
      return meanReduction
        ? (x) => ({
            discriminator: tf.add(mean(tf.softplus(tf.neg(x.logitsReal!))), mean(tf.softplus(x.logitsFake!))),
            generator: tf.neg(mean(tf.softplus(x.logitsFake!))),
          })
        : undefined;
    case 'objective/wasserstein':
      return meanReduction
        ? (x) => ({
            discriminator: tf.sub(mean(x.criticFake!), mean(x.criticReal!)),
            generator: tf.neg(mean(x.criticFake!)),
          })
        : undefined;
    case 'objective/hinge':
      return meanReduction
        ? (x) => ({
            discriminator: tf.add(mean(tf.relu(tf.sub(1, x.criticReal!))), mean(tf.relu(tf.add(1, x.criticFake!)))),
            generator: tf.neg(mean(x.criticFake!)),
          })
        : undefined;
    case 'objective/least-squares': {
      const a = (params.a as number | undefined) ?? 0;
      const b = (params.b as number | undefined) ?? 1;
      const c = (params.c as number | undefined) ?? 1;
      return meanReduction
        ? (x) => ({
            discriminator: tf.mul(
              0.5,
              tf.add(mean(tf.square(tf.sub(x.criticReal!, b))), mean(tf.square(tf.sub(x.criticFake!, a)))),
            ),
            generator: tf.mul(0.5, mean(tf.square(tf.sub(x.criticFake!, c)))),
          })
        : undefined;
    }
    case 'penalty/gradient-penalty':
      if (!mlpOk || params.sided !== 'two') return undefined;
      return (x, p) => {
        const e = tf.reshape(x.epsilon!, [-1, 1]);
        const xHat = tf.add(tf.mul(e, x.xReal!), tf.mul(tf.sub(1, e), x.xFake!));
        const norms = tf.sqrt(squaredInputGradNorms((u) => mlp(u, x, 'critic', p), xHat));
        return { penalty: tf.mul(p.lambda as number, mean(tf.square(tf.sub(norms, 1)))) };
      };
    case 'penalty/r1':
    case 'penalty/r2':
      if (!mlpOk) return undefined;
      return (x, p) => {
        const data = specId === 'penalty/r1' ? x.xReal! : x.xFake!;
        return {
          penalty: tf.mul((p.gamma as number) / 2, mean(squaredInputGradNorms((u) => mlp(u, x, 'critic', p), data))),
        };
      };
    case 'network/mlp':
      if (!mlpOk) return undefined;
      return (x, p) => ({
        score: mlp(x.x!, x, 'dense', p),
        gradientPenalty: tf.sum(squaredInputGradNorms((u) => mlp(u, x, 'dense', p), x.x!)),
      });
    default:
      return undefined;
  }
}

/** Specs whose benchmark case also runs with stock-right activations (relu, softplus), as extra rows. */
export const MLP_VARIANT_SPECS = ['penalty/gradient-penalty', 'penalty/r1', 'network/mlp'];
