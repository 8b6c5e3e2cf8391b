import * as fc from 'fast-check';
import { SPECS } from '../src/catalog/entries/f-divergences.js';
import { casesFor } from '../src/conformance/crosscheck.js';
const spec = SPECS.find((s) => s.id === 'fdiv/alpha')!;
const cases = casesFor(spec, 24, 20261124);
console.log(JSON.stringify(cases[17]));
const fg = SPECS.find((s) => s.id === 'objective/f-gan')!;
console.log(JSON.stringify(casesFor(fg, 24, 20261124)[14]));
