import type * as tf from '@tensorflow/tfjs-core';
import type { InputDecl, InputsOf, ParamDecl, ParamsOf, Spec } from './types.js';

/** A catalog record as written: `evaluate` sees its inputs branded by kind and its parameters typed. */
export interface SpecDefinition<I extends Record<string, InputDecl>, P extends Record<string, ParamDecl>> extends Omit<
  Spec,
  'inputs' | 'params' | 'evaluate'
> {
  inputs: I;
  params: P;
  /**
   * Evaluates the spec through the public API: one tensor per output. Inputs are float32 tensors,
   * branded by their declared kind; parameters have every default filled in.
   */
  evaluate(inputs: InputsOf<I>, params: ParamsOf<P>): Record<string, tf.Tensor>;
}

/**
 * Declares a catalog record. Input and parameter types are inferred from the `inputs` and
 * `params` declarations, so `evaluate` needs no casts: an input's brand comes from its `kind`
 * (`KindBrands`), a parameter's type from its declaration (`choice`, `numberParam`, …). The
 * runners hand `evaluate` plain tensors and a case's parameters; this is the one place where
 * they become typed: required inputs are checked present and missing parameters take their
 * declared defaults (the same as the library's and the oracle's, see spec/defaults.test.ts).
 */
export function defineSpec<I extends Record<string, InputDecl>, P extends Record<string, ParamDecl>>(
  definition: SpecDefinition<I, P>,
): Spec {
  const required = Object.entries(definition.inputs).flatMap(([name, d]) => (d.optional ? [] : [name]));
  return {
    ...definition,
    evaluate: (inputs, params) => {
      for (const name of required)
        if (!(name in inputs)) throw new Error(`${definition.id}: evaluate() needs input '${name}'`);
      // The brands are compile-time only (`as*` are identity functions): the one conversion of
      // the catalog's inputs.
      return definition.evaluate(inputs as InputsOf<I>, paramsOf(definition.params, params));
    },
  };
}

/**
 * A case's raw parameters as declared: a missing one takes its default (when it has one), a
 * string one must be one of its choices. The one conversion of the catalog's parameters.
 */
export function paramsOf<P extends Record<string, ParamDecl>>(
  declarations: P,
  raw: Record<string, unknown>,
): ParamsOf<P> {
  const out: Record<string, unknown> = { ...raw };
  for (const [name, d] of Object.entries(declarations)) {
    if (!(name in raw)) {
      if (d.default !== null) out[name] = d.default;
    } else if (d.choices && raw[name] !== undefined && !d.choices.includes(raw[name])) {
      throw new Error(
        `parameter '${name}': expected one of ${d.choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(raw[name])}`,
      );
    }
  }
  return out as ParamsOf<P>;
}

/** A string parameter with its allowed values: `evaluate` sees their union. */
export function choice<const C extends readonly string[]>(
  doc: string,
  defaultValue: C[number],
  choices: C,
): ParamDecl<C[number]> {
  return { doc, default: defaultValue, choices };
}

/** A numeric parameter. */
export function numberParam(doc: string, defaultValue: number): ParamDecl<number> {
  return { doc, default: defaultValue };
}

/** A parameter without a default: the case must give it (`evaluate` may see it absent). */
export function requiredParam<T>(doc: string): ParamDecl<T | undefined> {
  return { doc, default: null };
}
