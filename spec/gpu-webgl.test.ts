import { gpuSuite } from './gpu.js';

gpuSuite('webgl');
