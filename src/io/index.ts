export { readSafetensors, writeSafetensors, loadSafetensors, SafetensorsError, MAX_HEADER_BYTES } from './safetensors.ts';
export type { SafetensorsFile, LoadedTensor, SafetensorsDtype, SaveValue } from './safetensors.ts';
export { encodePng, crc32 } from './png.ts';
export { loadTorchvisionStateDict, fromTorchvisionStateDict, toTorchvisionStateDict } from './torchvision.ts';
export type { FlattenedLinears } from './torchvision.ts';
