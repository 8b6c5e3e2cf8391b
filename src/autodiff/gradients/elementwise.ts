import * as tf from '@tensorflow/tfjs-core';
import {
  eluDeriv,
  leakyDeriv,
  relu6Deriv,
  reluDeriv,
  seluDeriv,
  sigmoidDeriv,
  softplusDeriv,
  tanhDeriv,
} from '../activations.js';
import { asFloat, FLOAT, type GradConfig, positiveMask, reduceToShape, zerosFloat } from '../util.js';

/**
 * Gradients of the elementwise kernels. Each gradFunc recomputes what it needs from the saved
 * INPUTS with ops whose own gradients are registered here, so every order of derivative is exact
 * (up to float32 rounding). Binary kernels broadcast: their gradients are summed back over the
 * broadcast axes (`reduceToShape`). Ties and kinks follow PyTorch, the oracle.
 */

type T = tf.Tensor;

/** A unary kernel `y = f(x)` whose gradient is `dy · f'(x)`. */
function unary(kernelName: string, deriv: (x: T, attrs: tf.NamedAttrMap) => T): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => tf.mul(dy as T, deriv(asFloat(x), attrs)) };
    },
  };
}

/** A binary kernel with partials `da(a, b, dy)` and `db(a, b, dy)` before un-broadcasting. */
function binary(kernelName: string, da: (a: T, b: T, dy: T) => T, db: (a: T, b: T, dy: T) => T): GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return {
        a: () => reduceToShape(da(asFloat(a), asFloat(b), dy as T), a.shape),
        b: () => reduceToShape(db(asFloat(a), asFloat(b), dy as T), b.shape),
      };
    },
  };
}

/** A kernel that is piecewise constant (or has integer/boolean output): every input gets zero. */
function zeroGrad(kernelName: string, inputNames: string[]): GradConfig {
  return {
    kernelName,
    inputsToSave: inputNames,
    gradFunc: (_dy, saved) => {
      const out: Record<string, () => T> = {};
      inputNames.forEach((name, i) => {
        out[name] = () => zerosFloat(saved[i]);
      });
      return out;
    },
  };
}

const half = 0.5;

/** 1 where a > b, ½ where a = b, 0 where a < b: PyTorch splits the gradient of max/min at ties. */
function winMask(a: T, b: T): T {
  const gt = tf.cast(tf.greater(a, b), FLOAT);
  const eq = tf.cast(tf.equal(a, b), FLOAT);
  return tf.add(gt, tf.mul(half, eq));
}

export const elementwiseGradients: GradConfig[] = [
  binary(
    'Add',
    (_a, _b, dy) => dy,
    (_a, _b, dy) => dy,
  ),
  binary(
    'Sub',
    (_a, _b, dy) => dy,
    (_a, _b, dy) => tf.neg(dy),
  ),
  binary(
    'Multiply',
    (_a, b, dy) => tf.mul(dy, b),
    (a, _b, dy) => tf.mul(dy, a),
  ),
  // d(a/b) = da/b − a db/b², with ∂b computed as −dy·(a/b)/b: b² underflows in float32 for
  // |b| < 1e-19 (and overflows above 1e19), while (a/b)/b stays finite wherever the result is.
  binary(
    'RealDiv',
    (_a, b, dy) => tf.div(dy, b),
    (a, b, dy) => tf.neg(tf.div(tf.mul(dy, tf.div(a, b)), b)),
  ),
  // (a − b)² → ±2(a − b)
  binary(
    'SquaredDifference',
    (a, b, dy) => tf.mul(dy, tf.mul(2, tf.sub(a, b))),
    (a, b, dy) => tf.mul(dy, tf.mul(-2, tf.sub(a, b))),
  ),
  binary(
    'Maximum',
    (a, b, dy) => tf.mul(dy, winMask(a, b)),
    (a, b, dy) => tf.mul(dy, winMask(b, a)),
  ),
  binary(
    'Minimum',
    (a, b, dy) => tf.mul(dy, winMask(b, a)),
    (a, b, dy) => tf.mul(dy, winMask(a, b)),
  ),
  // a^b: ∂a = b a^(b−1); ∂b = a^b log a for a > 0, else 0 (log taken of a safe value so that no
  // NaN leaks into the unused branch's derivatives).
  binary(
    'Pow',
    (a, b, dy) => tf.mul(dy, tf.mul(b, tf.pow(a, tf.sub(b, 1)))),
    (a, b, dy) => {
      const pos = tf.greater(a, 0);
      const safeA = tf.where(pos, a, tf.onesLike(a));
      const logA = tf.where(pos, tf.log(safeA), tf.zerosLike(a));
      return tf.mul(dy, tf.mul(tf.pow(a, b), logA));
    },
  ),
  // atan2(a, b): ∂a = b/(a²+b²), ∂b = −a/(a²+b²)
  binary(
    'Atan2',
    (a, b, dy) => tf.div(tf.mul(dy, b), tf.add(tf.square(a), tf.square(b))),
    (a, b, dy) => tf.neg(tf.div(tf.mul(dy, a), tf.add(tf.square(a), tf.square(b)))),
  ),
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy, saved) => {
      const out: Record<string, () => T> = {};
      saved.forEach((_, i) => {
        out[i] = () => tf.clone(dy as T);
      });
      return out;
    },
  },
  {
    kernelName: 'Neg',
    gradFunc: (dy) => ({ x: () => tf.neg(dy as T) }),
  },
  unary('Square', (x) => tf.mul(2, x)),
  unary('Sqrt', (x) => tf.div(0.5, tf.sqrt(x))),
  // x^(-1/2) → −½ x^(-3/2) = −½ rsqrt(x) / x
  unary('Rsqrt', (x) => tf.mul(-0.5, tf.div(tf.rsqrt(x), x))),
  unary('Reciprocal', (x) => tf.neg(tf.reciprocal(tf.square(x)))),
  unary('Exp', (x) => tf.exp(x)),
  unary('Expm1', (x) => tf.exp(x)),
  unary('Log', (x) => tf.reciprocal(x)),
  unary('Log1p', (x) => tf.reciprocal(tf.add(1, x))),
  // |x|' = sign(x), 0 at 0 (PyTorch).
  unary('Abs', (x) => tf.sign(x)),
  unary('Sin', (x) => tf.cos(x)),
  unary('Cos', (x) => tf.neg(tf.sin(x))),
  unary('Tan', (x) => tf.add(1, tf.square(tf.tan(x)))),
  unary('Atan', (x) => tf.reciprocal(tf.add(1, tf.square(x)))),
  unary('Asin', (x) => tf.rsqrt(tf.sub(1, tf.square(x)))),
  unary('Acos', (x) => tf.neg(tf.rsqrt(tf.sub(1, tf.square(x))))),
  unary('Sinh', (x) => tf.cosh(x)),
  unary('Cosh', (x) => tf.sinh(x)),
  unary('Asinh', (x) => tf.rsqrt(tf.add(1, tf.square(x)))),
  unary('Atanh', (x) => tf.reciprocal(tf.sub(1, tf.square(x)))),
  // erf'(x) = 2/√π · exp(−x²)
  unary('Erf', (x) => tf.mul(2 / Math.sqrt(Math.PI), tf.exp(tf.neg(tf.square(x))))),
  unary('Relu', (x) => reluDeriv(x)),
  unary('Relu6', (x) => relu6Deriv(x)),
  unary('LeakyRelu', (x, attrs) => leakyDeriv(x, attrs.alpha as number)),
  unary('Elu', (x) => eluDeriv(x)),
  unary('Selu', (x) => seluDeriv(x)),
  unary('Tanh', (x) => tanhDeriv(x)),
  unary('Sigmoid', (x) => sigmoidDeriv(x)),
  unary('Softplus', (x) => softplusDeriv(x)),
  // clip'(x) = [min ≤ x ≤ max] (inclusive, as PyTorch's clamp).
  unary('ClipByValue', (x, attrs) =>
    tf.mul(
      tf.cast(tf.greaterEqual(x, attrs.clipValueMin as number), FLOAT),
      tf.cast(tf.lessEqual(x, attrs.clipValueMax as number), FLOAT),
    ),
  ),
  {
    // prelu(x, α) = x for x > 0, α x otherwise; α broadcasts against x.
    kernelName: 'Prelu',
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy, saved) => {
      const [x, alpha] = saved;
      const m = positiveMask(x);
      return {
        x: () => reduceToShape(tf.mul(dy as T, leakyDeriv(x, alpha)), x.shape),
        alpha: () => reduceToShape(tf.mul(dy as T, tf.mul(tf.sub(1, m), x)), alpha.shape),
      };
    },
  },
  {
    // where(c, t, e): the condition is not differentiable.
    kernelName: 'Select',
    inputsToSave: ['condition', 't', 'e'],
    gradFunc: (dy, saved) => {
      const [c, t, e] = saved;
      let cond = c;
      // The kernel accepts a rank-1 condition selecting along the first axis of t.
      if (cond.rank === 1 && t.rank > 1) {
        cond = tf.reshape(cond, [cond.shape[0], ...new Array<number>(t.rank - 1).fill(1)]);
      }
      const zeros = tf.zerosLike(dy as T);
      return {
        condition: () => zerosFloat(c),
        t: () => reduceToShape(tf.where(cond, dy as T, zeros), t.shape),
        e: () => reduceToShape(tf.where(cond, zeros, dy as T), e.shape),
      };
    },
  },
  {
    // Cast is the identity on values; an integer or boolean source still gets a float32 gradient
    // (the tape insists on float32), as the engine's own clone gradient does.
    kernelName: 'Cast',
    gradFunc: (dy) => ({ x: () => asFloat(tf.clone(dy as T)) }),
  },
  {
    kernelName: 'Identity',
    gradFunc: (dy) => ({ x: () => asFloat(tf.clone(dy as T)) }),
  },
  // Piecewise constant or boolean-valued kernels: zero gradient. Registering them matters: a mask
  // such as cast(greater(x, 0)) lies on a path from x to y, so the tape walks it, and a missing
  // gradient throws ("gradient function not found for Greater").
  zeroGrad('Sign', ['x']),
  zeroGrad('Step', ['x']),
  zeroGrad('Floor', ['x']),
  zeroGrad('Ceil', ['x']),
  zeroGrad('Round', ['x']),
  zeroGrad('IsNan', ['x']),
  zeroGrad('IsInf', ['x']),
  zeroGrad('IsFinite', ['x']),
  zeroGrad('ZerosLike', ['x']),
  zeroGrad('OnesLike', ['x']),
  zeroGrad('LogicalNot', ['x']),
  zeroGrad('Greater', ['a', 'b']),
  zeroGrad('GreaterEqual', ['a', 'b']),
  zeroGrad('Less', ['a', 'b']),
  zeroGrad('LessEqual', ['a', 'b']),
  zeroGrad('Equal', ['a', 'b']),
  zeroGrad('NotEqual', ['a', 'b']),
  zeroGrad('LogicalAnd', ['a', 'b']),
  zeroGrad('LogicalOr', ['a', 'b']),
  zeroGrad('LogicalXor', ['a', 'b']),
  zeroGrad('FloorDiv', ['a', 'b']),
];
