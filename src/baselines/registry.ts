/**
 * The list of baselines: challenge, name, description, and how to load each. A module of its
 * own, free of tfjs, so the demo's parent lists them without loading tfjs (~0.7 CPU-s at the
 * start of a first run, beside the data generators); run.ts runs them.
 */
import type { Baseline } from './baseline.js';

/** Every baseline, loaded lazily (tfjs model code is only imported when a baseline runs). */
export interface RegistryEntry {
  challenge: string;
  name: string;
  /** Runs on tfjs: run.ts starts the tfjs runtime first. The others never load tfjs (test/baselines/registry.test.ts). */
  tfjs: boolean;
  description: string;
  load: () => Promise<Baseline>;
}

export const REGISTRY: RegistryEntry[] = [
  { challenge: 'inat2018-mini', name: 'mobilenet-v2', tfjs: true, description: 'MobileNetV2 (width 0.35) classifier', load: async () => (await import('./classification/mobilenet.js')).mobilenetClassifier },
  { challenge: 'inat2018-mini', name: 'class-prior', tfjs: false, description: 'the three most frequent training classes', load: async () => (await import('./classification/class-prior.js')).classPrior },
  { challenge: 'voc2012-seg-mini', name: 'deeplab-v3plus', tfjs: true, description: 'DeepLab-v3+ on a MobileNetV2 encoder', load: async () => (await import('./segmentation/deeplab.js')).deeplab },
  { challenge: 'voc2012-seg-mini', name: 'all-background', tfjs: false, description: 'background everywhere', load: async () => (await import('./segmentation/all-background.js')).allBackground },
  { challenge: 'detection-mini', name: 'ssdlite-mobilenet-v2', tfjs: true, description: 'SSDLite head on MobileNetV2', load: async () => (await import('./detection/ssdlite.js')).ssdlite },
  { challenge: 'detection-mini', name: 'centernet-coco80', tfjs: true, description: 'pretrained CenterNet COCO-80 (@vladmandic/human)', load: async () => (await import('./detection/centernet.js')).centernet },
  { challenge: 'detection-mini', name: 'prior-box', tfjs: false, description: 'mean training box per category on every image', load: async () => (await import('./detection/prior-box.js')).priorBox },
  { challenge: 'separation-mini', name: 'audio-visual-mask', tfjs: true, description: 'STFT mask network with face tracks', load: async () => (await import('./separation/mask-net.js')).audioVisualMask },
  { challenge: 'separation-mini', name: 'audio-only-mask', tfjs: true, description: 'STFT mask network, audio only (PIT)', load: async () => (await import('./separation/mask-net.js')).audioOnlyMask },
  { challenge: 'separation-mini', name: 'ideal-ratio-mask', tfjs: false, description: 'oracle ideal ratio mask (upper bound)', load: async () => (await import('./separation/oracle.js')).idealRatioMask },
  { challenge: 'separation-mini', name: 'mixture', tfjs: false, description: 'the mixture as both sources (SDRi 0)', load: async () => (await import('./separation/oracle.js')).mixtureAsEstimate },
  { challenge: 'isl-mini', name: 'unet', tfjs: true, description: 'U-Net on the z-stack, loss masked by label availability', load: async () => (await import('./fluorescence/unet.js')).islUNet },
  { challenge: 'isl-mini', name: 'channel-mean', tfjs: false, description: "each label's mean training image", load: async () => (await import('./fluorescence/references.js')).channelMean },
  { challenge: 'isl-mini', name: 'linear-z-mean', tfjs: false, description: "least-squares line from the z-stack's mean to each label", load: async () => (await import('./fluorescence/references.js')).linearZMean },
  { challenge: 'motion-photos-mini', name: 'hybrid-l1', tfjs: false, description: 'gyro-classified background tracks + RANSAC, L1-optimal path (Motion Photos)', load: async () => (await import('./stabilization/stabilizers.js')).hybridL1 },
  { challenge: 'motion-photos-mini', name: 'visual-l1', tfjs: false, description: 'corners + pyramidal LK + RANSAC homography, L1-optimal path', load: async () => (await import('./stabilization/stabilizers.js')).visualL1 },
  { challenge: 'motion-photos-mini', name: 'gyro-l1', tfjs: false, description: 'gyroscope + OIS rotation homographies, L1-optimal path', load: async () => (await import('./stabilization/stabilizers.js')).gyroL1 },
  { challenge: 'motion-photos-mini', name: 'identity', tfjs: false, description: 'no stabilization (S_t = I)', load: async () => (await import('./stabilization/stabilizers.js')).identity },
];

export interface BaselineListing {
  challenge: string;
  name: string;
  description: string;
}

/** Does this baseline run on tfjs (and so may export to ONNX)? */
export function runsOnTfjs(challenge: string, name: string): boolean {
  return REGISTRY.some((b) => b.challenge === challenge && b.name === name && b.tfjs);
}

export function listBaselines(challenge?: string): BaselineListing[] {
  return REGISTRY.filter((b) => !challenge || b.challenge === challenge).map(({ challenge: c, name, description }) => ({ challenge: c, name, description }));
}

