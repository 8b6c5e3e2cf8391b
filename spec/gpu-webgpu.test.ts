import { gpuSuite } from './gpu.js';

gpuSuite('webgpu');
